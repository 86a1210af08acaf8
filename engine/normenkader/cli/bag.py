"""``seal``, ``keygen``, ``sign`` and ``verify``: sealed bundles and signatures."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..workdir import private_workdir
from . import norm_paths_option
from .check import limit_options, make_limits


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
def seal(source: Path, output: Path, **limits: Any) -> None:
    """Seal the bundle SOURCE as a closed-world BagIt 1.0 bag (folder or .zip)."""
    from ..evidence.seal import seal_bundle

    with private_workdir() as staging:
        sealed = seal_bundle(source, output, make_limits(limits), staging)
    click.echo(f"sealed {sealed.files} files ({sealed.bytes} bytes) into {sealed.output}")
    click.echo(f"bundle digest {sealed.digest}")


@click.command()
@click.argument("prefix", type=click.Path(path_type=Path))
@click.option(
    "--organisation", default="", help="Organisation, for the printed trusted-keys entry."
)
@click.option(
    "--role",
    default="submitter",
    show_default=True,
    help="Role, for the printed trusted-keys entry (submitter, supervisor, ...).",
)
@click.option("--valid-until", default=None, help="End of validity (YYYY-MM-DD) for the entry.")
def keygen(prefix: Path, organisation: str, role: str, valid_until: str | None) -> None:
    """Make an Ed25519 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.

    Prints an entry for a trusted-keys file.
    """
    import json

    from ..atomic import write_atomic
    from ..evidence.signing import generate_key, public_key_text

    private_path = prefix.with_name(prefix.name + ".key")
    public_path = prefix.with_name(prefix.name + ".pub")
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise InputError("OUTPUT_EXISTS", "refusing to overwrite an existing key", str(path))
    private_pem, public_pem, keyid = generate_key()
    write_atomic(private_path, private_pem)  # mkstemp: created 0600
    write_atomic(public_path, public_pem)
    public_path.chmod(0o644)
    today = datetime.now(UTC).date().isoformat()
    entry = {
        "organisation": organisation or "CHANGE ME",
        "role": role,
        "public_key": public_key_text(public_pem),
        "valid_from": today,
    }
    if valid_until:
        entry["valid_until"] = valid_until
    click.echo(f"# key {keyid}: private {private_path}, public {public_path}")
    click.echo("# trusted-keys entry (add under 'keys:'):")
    click.echo("- " + "\n  ".join(f"{k}: {json.dumps(v)}" for k, v in entry.items()))


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
    help="Where to write the envelope (default: BUNDLE/signatures/<keyid>.dsse.json).",
)
@limit_options
def sign(bundle: Path, key_path: Path, output: Path | None, **limits: Any) -> None:
    """Sign BUNDLE: an in-toto statement over its digest, in a DSSE envelope.

    The signature sits in signatures/, outside the seal: adding it changes no digest.
    """
    from ..atomic import write_atomic
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import key_id, load_private_key, sign_bundle

    key = load_private_key(key_path)
    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        envelope = sign_bundle(
            opened.digest, opened.id, opened.manifest["bundle"].get("organisation"), key_path
        )
    if output is None:
        if not bundle.is_dir() or bundle.is_symlink():
            raise InputError("USAGE", "signing a .zip needs -o (the zip itself is not changed)")
        folder = bundle / "signatures"
        folder.mkdir(mode=0o755, exist_ok=True)
        if folder.is_symlink() or not folder.is_dir():
            raise InputError("OUTPUT_INVALID", "signatures is not a folder", str(folder))
        output = folder / f"{key_id(key.public_key())[:16]}.dsse.json"
    write_atomic(output, envelope)
    click.echo(f"signed {opened.digest} -> {output}")


@click.command()
@click.argument("statement", type=click.Path(path_type=Path))
@click.option(
    "--bundle",
    "bundle",
    required=True,
    type=click.Path(path_type=Path),
    help="The bundle the result is about (folder, bag or zip).",
)
@click.option(
    "--trusted-keys",
    required=True,
    type=click.Path(path_type=Path),
    help="Trusted-keys file holding the supervisor's key.",
)
@norm_paths_option("Norm files/folders the result was made with (default: the shipped library).")
@click.option("--profile", default=None, help="Profile (default: the one in the statement).")
@click.option(
    "--report", type=click.Path(path_type=Path), help="A report to compare with the signed digest."
)
@click.option(
    "--rerun", is_flag=True, help="Re-evaluate and prove the report digest is reproduced."
)
@click.option("--waivers", type=click.Path(path_type=Path), help="Waiver file used for the result.")
@click.option("--waiver-policy", type=click.Path(path_type=Path), help="Waiver policy file.")
@click.option(
    "--assessments", type=click.Path(path_type=Path), help="Judgements used for the result."
)
@limit_options
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
    **limits: Any,
) -> None:
    """Verify a signed check result against BUNDLE and the norms (exit 0 when it holds)."""
    from ..evidence.bundle import open_bundle
    from ..evidence.signing import verify_result
    from ..norms.compiled import load_norm_set

    envelope = _read_small(statement)
    report_bytes = _read_small(report, 256 << 20) if report else None
    claim = verify_result(envelope, trusted_keys, report_bytes=report_bytes, where=str(statement))
    signed_profile = (claim.predicate.get("norm_set") or {}).get("profile")
    norm_set = load_norm_set(list(norm_paths) or None, profile or signed_profile)
    with private_workdir() as staging:
        opened = open_bundle(bundle, make_limits(limits), staging)
        verify_result(
            envelope,
            trusted_keys,
            bundle_digest=opened.digest,
            norm_set_digest=norm_set.digest,
            where=str(statement),
        )
        signer = claim.signer
        click.echo(
            f"signature: {signer['organisation']} ({signer['role']}), key {signer['keyid'][:16]}"
        )
        click.echo(f"bundle: {opened.digest} matches")
        click.echo(f"norm set: {norm_set.digest} matches")
        if report_bytes is not None:
            click.echo(f"report: {claim.report_digest} matches {report}")
        if rerun:
            reproduced = _rerun(
                opened, norm_set, claim.predicate, waivers, waiver_policy, assessments
            )
            verify_result(envelope, trusted_keys, report_bytes=reproduced, where=str(statement))
            click.echo(f"rerun: report digest {claim.report_digest} reproduced")
    sys.exit(0)


def _read_small(path: Path, limit: int = 1 << 20) -> bytes:
    from ..inputfile import read_input_file

    return read_input_file(path, "USAGE", limit)  # never blocks on a FIFO


def _rerun(
    opened: Any,
    norm_set: Any,
    predicate: dict[str, Any],
    waivers: Path | None,
    waiver_policy: Path | None,
    assessments: Path | None,
) -> bytes:
    from ..audit import evaluation_options
    from ..engine import evaluate
    from ..report import render
    from ..timeutil import parse_date

    report_info = predicate.get("report") or {}
    fmt = report_info.get("format") or "json"
    lang = report_info.get("lang") or "en"
    if fmt != "json":
        raise InputError("USAGE", f"--rerun reproduces JSON reports; the signed one is {fmt}")
    as_of = parse_date(str(predicate.get("as_of")))
    options = evaluation_options(norm_set, as_of, waivers, waiver_policy, assessments)
    result = evaluate(norm_set, opened, options)
    text = render("json", result, lang=str(lang), norm_set=norm_set)
    return text.encode("utf-8") if isinstance(text, str) else text
