"""``audit waive``: signed waivers recorded as ledger entries, applied by the next run.

Only signed waivers (``waivers sign``: an author's and an approver's key) enter an audit;
a name is not an identity. Each waiver of the file becomes one ``waiver`` entry, signed by
the actor, whose key must hold the ``waiver-approver`` role *and* be among the waiver's own
verified signatures: the ledger records which approver let it in. The next ``audit run``
hands every recorded waiver to the engine in signed mode, where the four-eyes, role,
organisation, scope, expiry and policy rules of ``audit.waivers`` decide per bundle whether
it counts; a refused waiver shows as a notice in that bundle's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .ledger import Entry
    from .workspace import Workspace


@dataclass(frozen=True)
class Recorded:
    id: str
    norm: str
    seq: int | None  # None: the same signed waiver was recorded before


def record_waivers(workspace: Workspace, path: Path, key: Ed25519PrivateKey) -> list[Recorded]:
    """Record every signed waiver of ``path``; an unsigned one rejects the file."""
    from ..audit.signed_records import check_signatures
    from ..audit.waivers import CODE, parse_waivers
    from ..evidence.keys import key_id
    from .ledger import signer_for

    signer_for("waiver", key, workspace.trusted)  # before the file is even read
    waivers, _ = parse_waivers(path)
    if not waivers:
        raise InputError(CODE, "the file holds no waiver", str(path))
    unsigned = [w.id for w in waivers if not w.signed]
    if unsigned:
        raise InputError(
            CODE,
            f"an audit takes only signed waivers ('normenkader waivers sign'); unsigned: "
            f"{', '.join(unsigned[:5])}",
            str(path),
        )
    actor = key_id(key.public_key())
    known = {w.norm for w in waivers}
    norms = workspace.norm_set().norms
    for norm in sorted(known - set(norms)):
        raise InputError(CODE, f"{norm} is not a norm of this audit's norm set", str(path))
    recorded = []
    for waiver in waivers:
        envelope = waiver.envelope
        assert envelope is not None
        signers = check_signatures(envelope, workspace.trusted)
        if signers.failed or signers.key(actor) is None:
            raise InputError(
                "ROLE_NOT_ALLOWED",
                f"waiver {waiver.id}: the actor's key has not signed it as approver "
                "('normenkader waivers sign --key' first)",
                str(path),
            )
        envelope_value = envelope.to_dict()
        body: dict[str, Any] = {
            "id": waiver.id,
            "norm": waiver.norm,
            "scope": waiver.scope(),
            "issued": waiver.issued.isoformat(),
            "expires": waiver.expires.isoformat(),
            "envelope": envelope_value,
        }

        def same(entries: list[Entry], value: dict[str, Any] = envelope_value) -> bool:
            return any(e.type == "waiver" and e.body.get("envelope") == value for e in entries)

        entry = workspace.append("waiver", body, key, unless=same)
        recorded.append(Recorded(waiver.id, waiver.norm, entry.seq if entry else None))
    return recorded


def waivers_file(workspace: Workspace, entries: list[Entry]) -> str | None:
    """The ledger's waivers as one signed waiver file (content-addressed), for a run."""
    from .ledger import canonical
    from .workspace import store_bytes

    signed = [e.body["envelope"] for e in entries if e.type == "waiver"]
    if not signed:
        return None
    folder = workspace.root / "waivers"
    folder.mkdir(exist_ok=True)
    return store_bytes(folder, canonical({"version": 1, "signed": signed}), ".json")


def waiver_problem(workspace: Workspace, entry: Entry) -> str | None:
    """Why a ``waiver`` entry does not hold (None: it does): its record must be a valid
    signed waiver that the entry's actor signed."""
    from ..audit.waivers import CODE, WAIVER_PREDICATE
    from .verify import signed_record_problem

    return signed_record_problem(workspace, entry, "waiver", CODE, WAIVER_PREDICATE)[1]
