"""``seal``, ``keygen``, ``sign``, ``attest`` and ``verify``: sealed bundles and signatures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

import click

from ..errors import InputError
from ..messages import text as message
from ..workdir import private_workdir
from . import norm_paths_option, parse_day
from .check import limit_options, make_limits
from .lang import lang_option


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The sealed bag: a folder, or a .zip file.",
)
@limit_options
@lang_option
def seal(source: Path, output: Path, lang: str, **limits: Any) -> None:
    """Seal the bundle SOURCE as a closed-world BagIt 1.0 bag (folder or .zip)."""
    from ..evidence.seal import seal_bundle

    with private_workdir() as staging:
        sealed = seal_bundle(source, output, make_limits(limits), staging)
    click.echo(
        message("seal.sealed", lang, files=sealed.files, size=sealed.bytes, output=sealed.output)
    )
    click.echo(message("seal.digest", lang, digest=sealed.digest))


@click.command()
@click.argument("prefix", type=click.Path(path_type=Path))
@click.option(
    "--organisation", default="", help="Organisation, for the printed trusted-keys entry."
)
@click.option(
    "--person", default=None, help="The person holding the key (absent: an organisation's key)."
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="Role for the printed entry (repeatable): submitter, supervisor, waiver-author,"
    " waiver-approver, assessor, or an attestation role such as dpo. Default: submitter.",
)
@click.option("--valid-from", default=None, help="Start of validity (YYYY-MM-DD; default today).")
@click.option("--valid-until", default=None, help="End of validity (YYYY-MM-DD), inclusive.")
@lang_option
def keygen(
    prefix: Path,
    organisation: str,
    person: str | None,
    roles: tuple[str, ...],
    valid_from: str | None,
    valid_until: str | None,
    lang: str,
) -> None:
    """Make an Ed25519 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.

    Prints an entry for a trusted-keys file.
    """
    import json

    from ..atomic import unwritable, write_atomic
    from ..evidence.signing import generate_key, trusted_keys_entry

    start = parse_day(valid_from, "--valid-from")
    until = parse_day(valid_until, "--valid-until") if valid_until else None
    if until is not None and until < start:
        raise InputError("USAGE", "--valid-until is before --valid-from")
    private_path = prefix.with_name(prefix.name + ".key")
    public_path = prefix.with_name(prefix.name + ".pub")
    for path in (private_path, public_path):
        try:
            exists = path.exists() or path.is_symlink()
        except OSError as exc:  # a name too long, a folder we may not search
            raise unwritable(exc, path) from None
        if exists:
            raise InputError("OUTPUT_EXISTS", "refusing to overwrite an existing key", str(path))
    private_pem, public_pem, keyid = generate_key()
    try:
        entry = trusted_keys_entry(
            public_pem, organisation, list(roles) or ["submitter"], start, until, person
        )
    except InputError as exc:
        raise InputError("USAGE", exc.message) from None
    write_atomic(private_path, private_pem)  # mkstemp: created 0600
    try:
        write_atomic(public_path, public_pem, public=True)
    except InputError:
        private_path.unlink(missing_ok=True)  # no half key pair
        raise
    click.echo(message("keygen.key", lang, keyid=keyid, private=private_path, public=public_path))
    click.echo(message("keygen.entry", lang))
    click.echo("- " + "\n  ".join(f"{k}: {json.dumps(v)}" for k, v in entry.items()))


signed_at_option = click.option(
    "--signed-at",
    default=None,
    help="Signing time to state (RFC 3339 or YYYY-MM-DD; default: now, UTC).",
)


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Ed25519 private key (PEM).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write a detached envelope here (default: BUNDLE/signatures/<keyid>.dsse.json).",
)
@signed_at_option
@limit_options
@lang_option
def sign(
    bundle: Path,
    key_path: Path,
    output: Path | None,
    signed_at: str | None,
    lang: str,
    **limits: Any,
) -> None:
    """Sign BUNDLE: an in-toto statement over its digest, in a DSSE envelope.

    The signature sits in signatures/, outside the seal: adding it changes no digest. With
    -o it is detached (check --signature, verify --bundle).
    """
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import (
        load_private_key,
        sign_bundle,
        signature_path,
        signing_time,
        write_signature,
    )

    key = load_private_key(key_path)
    moment = signing_time(signed_at)
    target = signature_path(bundle, output, key)
    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        envelope = sign_bundle(
            opened.digest, opened.id, opened.manifest["bundle"].get("organisation"), key, moment
        )
    write_signature(target, envelope, bundle)
    click.echo(message("sign.signed", lang, digest=opened.digest, target=target))


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Ed25519 private key (PEM) of the role-holder.",
)
@click.option("--claim", required=True, help="What is attested, as an id (e.g. dpia-reviewed).")
@click.option(
    "--about",
    multiple=True,
    help="Evidence id the statement covers (repeatable); it lapses when that item changes.",
)
@click.option("--norm", "norm_id", default=None, help="The norm the statement answers.")
@click.option("--text-en", default=None, help="The statement in words (English).")
@click.option("--text-nl", default=None, help="The statement in words (Dutch).")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="Envelope file."
)
@signed_at_option
@limit_options
@lang_option
def attest(
    bundle: Path,
    key_path: Path,
    claim: str,
    about: tuple[str, ...],
    norm_id: str | None,
    text_en: str | None,
    text_nl: str | None,
    output: Path,
    signed_at: str | None,
    lang: str,
    **limits: Any,
) -> None:
    """Sign an attestation about BUNDLE (evidence kind attestation, checked by role).

    Add the envelope to the bundle as an evidence item of kind attestation.
    """
    from ..atomic import write_atomic
    from ..evidence.attestations import attestation_statement
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import load_private_key, sign_statement, signing_time

    key = load_private_key(key_path)
    moment = signing_time(signed_at)
    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        digests: dict[str, str] = {}
        for item_id in about:
            item = opened.items.get(item_id)
            if item is None:
                raise InputError("USAGE", f"--about {item_id}: no such evidence item in the bundle")
            digests[item_id] = "sha256:" + item.record.sha256.removeprefix("sha256:")
        text = {k: v for k, v in (("en", text_en), ("nl", text_nl)) if v}
        statement = attestation_statement(
            claim=claim,
            bundle_id=opened.id,
            organisation=str(opened.manifest["bundle"].get("organisation") or ""),
            signed_at=moment,
            norm=norm_id,
            about=digests,
            text=text or None,
        )
    write_atomic(output, sign_statement(statement, key), public=True)
    click.echo(message("attest.attested", lang, claim=claim, bundle=opened.id, output=output))


@click.command()
@click.argument("statement", type=click.Path(path_type=Path))
@click.option(
    "--bundle",
    "bundle",
    required=True,
    type=click.Path(path_type=Path),
    help="The bundle the statement is about (folder, bag or zip).",
)
@click.option(
    "--trusted-keys",
    required=True,
    type=click.Path(path_type=Path),
    help="Trusted-keys file holding the signer's key (and, for --rerun, the run's keys).",
)
@click.option(
    "--role",
    default=None,
    help="Attestation: the role its signer's key must hold (default: any role).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Attestation: signed on or before this date (YYYY-MM-DD or 'today'; default: the "
    "bundle's reference_date, else its submitted date).",
)
@norm_paths_option("Norm files/folders the result was made with (default: the shipped library).")
@click.option("--profile", default=None, help="Profile (default: the one in the statement).")
@click.option(
    "--report", type=click.Path(path_type=Path), help="A report to compare with the signed digest."
)
@click.option(
    "--rerun",
    is_flag=True,
    help="Re-evaluate, without the local cache, and prove the report digest is reproduced.",
)
@click.option("--waivers", type=click.Path(path_type=Path), help="Waiver file used for the result.")
@click.option("--waiver-policy", type=click.Path(path_type=Path), help="Waiver policy file.")
@click.option(
    "--assessments", type=click.Path(path_type=Path), help="Judgements used for the result."
)
@limit_options
@lang_option
def verify(
    statement: Path,
    bundle: Path,
    trusted_keys: Path,
    norm_paths: tuple[Path, ...],
    profile: str | None,
    report: Path | None,
    rerun: bool,
    waivers: Path | None,
    waiver_policy: Path | None,
    assessments: Path | None,
    lang: str,
    role: str | None = None,
    as_of: str | None = None,
    **limits: Any,
) -> None:
    """Verify a signed statement about BUNDLE (exit 0 when it holds).

    A bundle submission (sign) is checked against the bundle and its organisation; a check
    result (check --statement) also against the norms, a report and, with --rerun, a fresh
    evaluation; an attestation (attest) against the bundle, the evidence it covers, the
    signer's organisation and role, and the as-of date.
    """
    from ..evidence.attestations import ATTESTATION_PREDICATE
    from ..evidence.signing import (
        RESULT_PREDICATE,
        SUBMISSION_PREDICATE,
        read_trusted_keys,
        statement_type,
    )

    if rerun:
        from .. import cache

        cache.disable()  # a rerun proves the result from the inputs alone
    envelope = _read_small(statement)
    kind = statement_type(envelope, str(statement))
    keys, keys_digest = read_trusted_keys(trusted_keys)
    if kind == SUBMISSION_PREDICATE:
        if report or rerun or waivers or waiver_policy or assessments or norm_paths or profile:
            raise InputError(
                "USAGE", "a bundle signature is verified with --bundle and --trusted-keys only"
            )
        _verify_submission(envelope, statement, bundle, keys, limits, lang)
    elif kind == RESULT_PREDICATE:
        run = _Run(norm_paths, profile, waivers, waiver_policy, assessments, keys, keys_digest)
        _verify_result(envelope, statement, bundle, report, rerun, run, limits, lang)
    elif kind == ATTESTATION_PREDICATE:
        if report or rerun or waivers or waiver_policy or assessments or norm_paths or profile:
            raise InputError(
                "USAGE",
                "an attestation is verified with --bundle, --trusted-keys, --role and --as-of only",
            )
        _verify_attestation(envelope, statement, bundle, keys, role, as_of, limits, lang)
    else:
        raise InputError(
            "SIGNATURE_INVALID",
            f"not a bundle-submission, check-result or attestation statement ({kind})",
            str(statement),
        )
    sys.exit(0)


def _verify_attestation(
    envelope: bytes,
    statement: Path,
    bundle: Path,
    keys: list[Any],
    role: str | None,
    as_of: str | None,
    limits: dict[str, Any],
    lang: str = "en",
) -> None:
    """An attestation (``attest``) holds for BUNDLE: a trusted key of the bundle's
    organisation (with ``role`` if given) signed it, on or before the as-of date, about this
    bundle, and every evidence item it covers is unchanged."""
    from .. import asof
    from ..evidence.attestations import verify_attestation
    from ..evidence.bundle import open_bundle

    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        day, _ = asof.resolve(asof.requested(as_of), opened.manifest["bundle"])
        attested = verify_attestation(
            envelope,
            keys,
            role=role,
            bundle_id=opened.id,
            organisation=opened.manifest["bundle"].get("organisation"),
            evidence_digests={
                item.id: "sha256:" + item.record.sha256.removeprefix("sha256:")
                for item in opened.items.values()
            },
            as_of=day,
            where=str(statement),
        )
    from ..evidence.keys import format_signed_at

    signer = {**attested.key.describe(), "signed_at": format_signed_at(attested.signed_at)}
    click.echo(_signer_line(signer, lang))
    about = ", ".join(sorted(attested.about)) or "-"
    click.echo(
        message(
            "verify.attestation",
            lang,
            claim=attested.claim,
            bundle=opened.id,
            about=about,
            as_of=day.isoformat(),
        )
    )


def _verify_submission(
    envelope: bytes,
    statement: Path,
    bundle: Path,
    keys: list[Any],
    limits: dict[str, Any],
    lang: str = "en",
) -> None:
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import require_signature

    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        signer = require_signature(
            opened.tree,
            opened.digest,
            keys,
            organisation=opened.manifest["bundle"].get("organisation"),
            detached=(envelope, str(statement)),
        )
    click.echo(_signer_line(signer, lang))
    click.echo(message("verify.bundle_submission", lang, digest=opened.digest))


def _signer_line(signer: dict[str, Any], lang: str) -> str:
    return message(
        "verify.signature",
        lang,
        organisation=signer["organisation"],
        role=signer["role"],
        keyid=signer["keyid"][:16],
        signed_at=signer["signed_at"],
    )


class _Run(NamedTuple):
    """The inputs given to ``verify`` for comparing with, or re-running, a result."""

    norm_paths: tuple[Path, ...]
    profile: str | None
    waivers: Path | None
    waiver_policy: Path | None
    assessments: Path | None
    keys: list[Any]
    keys_digest: str


def _verify_result(
    envelope: bytes,
    statement: Path,
    bundle: Path,
    report: Path | None,
    rerun: bool,
    run: _Run,
    limits: dict[str, Any],
    lang: str = "en",
) -> None:
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import verify_result
    from ..norms.compiled import load_norm_set

    where = str(statement)
    report_bytes = _read_small(report, 256 << 20) if report else None
    claim = verify_result(envelope, run.keys, report_bytes=report_bytes, where=where)
    signed_set = claim.predicate.get("norm_set") or {}
    signed_profile = signed_set.get("profile")
    only = claim.inputs.get("only")
    if only is not None and (
        not isinstance(only, list) or not all(isinstance(n, str) for n in only)
    ):
        raise InputError("SIGNATURE_INVALID", "inputs.only is not a list of norm ids", where)
    norm_set = load_norm_set(
        list(run.norm_paths) or None,
        run.profile or signed_profile,
        use_cache=False if rerun else None,
        only=only or None,
    )
    if norm_set.profile.id != signed_profile:
        raise InputError(
            "NORM_SET_MISMATCH",
            f"profile differs: statement {signed_profile}, given {norm_set.profile.id}",
            where,
        )
    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        verify_result(
            envelope,
            run.keys,
            bundle_digest=opened.digest,
            norm_set_digest=norm_set.digest,
            where=where,
            bundle_organisation=opened.manifest["bundle"].get("organisation"),
        )
        signer = claim.signer
        click.echo(_signer_line(signer, lang))
        click.echo(message("verify.bundle", lang, digest=opened.digest))
        limited = message("verify.only", lang, norms=", ".join(only)) if only else ""
        click.echo(message("verify.norm_set", lang, digest=norm_set.digest, only=limited))
        if report_bytes is not None:
            click.echo(message("verify.report", lang, digest=claim.report_digest, report=report))
        if rerun:
            reproduced = _rerun(opened, norm_set, claim, run, where)
            verify_result(envelope, run.keys, report_bytes=reproduced, where=where)
            click.echo(message("verify.rerun", lang, digest=claim.report_digest))


def _read_small(path: Path, limit: int = 1 << 20) -> bytes:
    from ..inputfile import read_input_file

    return read_input_file(path, "USAGE", limit)  # never blocks on a FIFO


def _rerun(opened: Any, norm_set: Any, claim: Any, run: _Run, where: str) -> bytes:
    """Re-evaluate with the inputs given, after ``compare_inputs`` has named any that
    differs from the statement's, so a differing report is never a mystery."""
    from .. import __version__
    from ..audit import evaluation_options
    from ..engine import evaluate
    from ..evidence.signing import compare_inputs, file_digest, rerun_settings
    from ..report import render

    predicate = claim.predicate
    signed = claim.inputs
    as_of, lang = rerun_settings(predicate, where)
    keys = run.keys if signed.get("trusted_keys") is not None else None
    options = evaluation_options(
        norm_set, as_of, run.waivers, run.waiver_policy, run.assessments, keys
    )
    given: dict[str, str | None] = {
        "engine version": __version__,
        "waivers": options.waivers.digest if options.waivers else None,
        "waiver policy": (
            file_digest(run.waiver_policy, "WAIVER_POLICY_INVALID") if run.waiver_policy else None
        ),
        "assessments": options.judgements.digest if options.judgements else None,
    }
    if keys is not None:
        given["trusted keys"] = run.keys_digest
        options.trusted_keys = tuple(keys)
    compare_inputs(predicate, given, where)
    source = signed.get("as_of_source")  # how check chose the date: recorded, not an input
    options.as_of_source = str(source) if source is not None else None
    result = evaluate(norm_set, opened, options)
    text = render("json", result, lang=lang, norm_set=norm_set)
    return text.encode("utf-8") if isinstance(text, str) else text
