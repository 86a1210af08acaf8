"""``attestation``: a signed statement by a key holding a role (the roll-up ``alternative``).

The evidence item (kind ``attestation``) is a DSSE envelope over an in-toto Statement v1
with predicate type ``https://normenkader.nl/attestation/statement/v1``::

    predicate: {claim: dpia-reviewed, bundle_id: ..., organisation: ..., signed_at: ...,
                norm: NK.GOV.19}          # norm optional
    subject:   [{name: "evidence:dpia-2026", digest: {sha256: ...}}]   # or bundle:<id>

A norm names the evidence input and the role that must have signed::

    - kind: attestation
      evidence: dpo_statement
      role: dpo
      claim: dpia-reviewed      # optional: the claim id the statement must make

It passes only when the envelope verifies under a key of ``check --trusted-keys`` that holds
the role, belongs to the bundle's organisation (unless ``same_organisation: false``), was
valid at the statement's signing time (on or before the as-of date), and covers this bundle
and the current digests of the evidence it names. Without trusted keys the check is
``review`` (the signature cannot be judged); any other problem is ``fail`` with its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class AttestationConfig(CheckConfig):
    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["attestation"]
    evidence: str
    """Name of the norm's evidence input holding the envelope (evidence kind attestation)."""
    role: str
    """Role the signing key must hold in the trusted-keys file (e.g. dpo, ciso)."""
    claim: str | None = None
    """Claim id the statement must make (any claim when absent)."""
    same_organisation: bool = True
    """The key must belong to the bundle's organisation (false: e.g. an external auditor)."""
    explain: dict[str, str] | None = None
    """What the attestation stands for, {nl, en}."""


@register
class AttestationCheck:
    kind: ClassVar[str] = "attestation"
    config_type: ClassVar[type] = AttestationConfig

    def __init__(self, config: AttestationConfig, norm: CompiledNorm) -> None:
        from ..evidence.attestations import CLAIM_PATTERN
        from ..evidence.keys import ROLE_PATTERN, SUBMITTER

        norm.require_inputs((config.evidence,), "evidence")
        if norm.evidence[config.evidence].kind != "attestation":
            raise CheckConfigError(
                f"evidence input {config.evidence!r} must be of kind attestation", "evidence"
            )
        if not ROLE_PATTERN.match(config.role):
            raise CheckConfigError("role must match ^[a-z][a-z0-9-]*$", "role")
        if config.role == SUBMITTER:
            raise CheckConfigError(
                "the submitter role signs bundles, not attestations; name the role that"
                " vouches (dpo, ciso, ...)",
                "role",
            )
        if config.claim is not None and not CLAIM_PATTERN.match(config.claim):
            raise CheckConfigError("claim must be an id (^[A-Za-z0-9][A-Za-z0-9._:-]*$)", "claim")
        self.config = config
        self.norm_id = norm.id

    def evaluate(self, ctx: NormContext) -> CheckResult:
        import rfc8785

        from ..errors import InputError
        from ..evidence.attestations import verify_attestation

        config = self.config
        item = ctx.evidence.get(config.evidence)
        if item is None:
            return CheckResult(
                "attestation", Status.FAIL, {"en": "evidence absent", "nl": "bewijs ontbreekt"}
            )
        measured: dict[str, object] = {"evidence": item.id, "role": config.role}
        trusted = ctx.trusted_keys
        if trusted is None:
            return CheckResult(
                "attestation",
                Status.REVIEW,
                {
                    "en": f"attestation {item.id} by role {config.role} not verified: give"
                    " --trusted-keys",
                    "nl": f"verklaring {item.id} door rol {config.role} niet geverifieerd:"
                    " geef --trusted-keys",
                },
                measured,
            )
        bundle = ctx.bundle
        try:
            attested = verify_attestation(
                rfc8785.dumps(item.content),
                list(trusted),
                role=config.role,
                bundle_id=bundle.id,
                organisation=bundle.manifest["bundle"].get("organisation"),
                evidence_digests={
                    other.id: "sha256:" + other.record.sha256.removeprefix("sha256:")
                    for other in bundle.items.values()
                },
                as_of=ctx.as_of,
                claim=config.claim,
                norm=self.norm_id,
                same_organisation=config.same_organisation,
                where=item.path,
            )
        except (InputError, rfc8785.CanonicalizationError) as exc:
            code = exc.code if isinstance(exc, InputError) else "ATTESTATION_INVALID"
            text = exc.message if isinstance(exc, InputError) else str(exc)
            measured["code"] = code
            return CheckResult(
                "attestation",
                Status.FAIL,
                {
                    "en": f"attestation {item.id} not accepted: {code}: {text}",
                    "nl": f"verklaring {item.id} niet aanvaard: {code}: {text}",
                },
                measured,
            )
        measured.update(attested.describe())
        signer = attested.key.person or attested.key.organisation
        explain = config.explain or {}
        return CheckResult(
            "attestation",
            Status.PASS,
            {
                "en": f"{explain.get('en', 'attested')}: {attested.claim} by {signer}"
                f" ({config.role}), key {attested.key.key_id[:16]}",
                "nl": f"{explain.get('nl', 'verklaard')}: {attested.claim} door {signer}"
                f" ({config.role}), sleutel {attested.key.key_id[:16]}",
            },
            measured,
        )
