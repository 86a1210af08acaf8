"""``normenkader diff``, ``normenkader waivers lint|sign`` and ``normenkader assess``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..messages import text
from . import format_option, norm_paths_option, output_option, parse_day
from .lang import lang_option


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@format_option("terminal", "json")
@output_option
@lang_option
def diff(old: Path, new: Path, fmt: str, lang: str) -> None:
    """Compare two JSON results: new problems, fixed problems, changed reasons.

    Exit 1 when NEW has a problem (fail, missing, blocked, review) or an error that OLD
    did not have, else 0.
    """
    from ..audit.diff import compare, load_result
    from ..textsafe import visible

    result = compare(load_result(old), load_result(new))
    differs = result.to_dict()["other_system"]
    if differs:
        shown = ", ".join(differs)
        click.echo(text("diff.other_system", lang, fields=shown), err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for line in result.header(lang):
            click.echo(visible(line))
        sections = (
            ("new_problems", result.new_problems),
            ("fixed", result.fixed),
            ("changed", result.changed),
            ("new_errors", result.new_errors),
        )
        width = 10 if lang == "nl" else 8
        for heading, changes in sections:
            click.echo(f"{text(f'diff.{heading}', lang)}: {len(changes)}")
            for change in changes:
                title = change.title.get(lang) or change.title.get("en") or ""
                click.echo(
                    f"  {change.norm_id:<12} {_word('severity', change.severity, lang):<{width}} "
                    f"{_state(change.old_status, change.old_reason, lang)} -> "
                    f"{_state(change.new_status, change.new_reason, lang)}  {title}"
                )
        for heading, ids in (("norms_added", result.added), ("norms_removed", result.removed)):
            if ids:
                click.echo(f"{text(f'diff.{heading}', lang)}: {', '.join(ids)}")
    sys.exit(1 if result.new_problems or result.new_errors else 0)


def _word(kind: str, code: str | None, lang: str) -> str:
    """A status, reason or severity code as words (en keeps the code itself)."""
    from ..messages import CATALOGUE

    if not code:
        return "-"
    if lang == "en":
        return code
    entry = CATALOGUE.get(f"{kind}.{code}")
    return entry[lang] if entry else code


def _state(status: str | None, reason: str | None, lang: str) -> str:
    return f"{_word('status', status, lang)}/{_word('reason', reason, lang)}"


@click.group()
def waivers() -> None:
    """Work with waiver files."""


def _trusted(path: Path | None) -> list[Any] | None:
    if path is None:
        return None
    from ..evidence.signing import load_trusted_keys

    return list(load_trusted_keys(path))


@waivers.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--policy", type=click.Path(path_type=Path), help="Waiver policy file.")
@click.option("--as-of", "as_of", default=None, help="Judge expiry at this date (default today).")
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="Judge signed waivers (signed mode): only waivers signed by author and approver count.",
)
@norm_paths_option()
@lang_option
def lint(
    files: tuple[Path, ...],
    policy: Path | None,
    as_of: str | None,
    trusted_keys: Path | None,
    norm_paths: tuple[Path, ...],
    lang: str,
) -> None:
    """Report refused (unknown norm, not waivable, self-approved, too long, unsigned or
    badly signed), expired, not yet valid and soon-expiring waivers in each FILE.

    Exit 0 when clean or only warnings, 1 when a waiver is refused or expired, 3 when a
    file is malformed (missing or unknown fields, bad dates).
    """
    from ..audit.waivers import lint_waivers
    from ..norms.compiled import load_norm_set

    norm_set = load_norm_set(list(norm_paths) or None)
    known = {norm.id: norm.waivable for norm in norm_set.norms.values()}
    day = parse_day(as_of, "--as-of")
    trusted = _trusted(trusted_keys)
    errors = 0
    for file in files:
        problems = lint_waivers(file, policy, known, day, trusted)
        for problem in problems:
            detail = f" ({problem['detail']})" if problem["detail"] else ""
            unsigned = "" if problem["signed"] else f" [{text('cli.unsigned', lang)}]"
            level = text(f"waivers.level.{problem['level']}", lang)
            click.echo(
                f"{file}:{problem['line']}: {level} {problem['code']}{detail}: "
                f"{problem['id']} {problem['norm_id']}{unsigned}: {problem['message'][lang]}"
            )
        found = sum(p["level"] == "error" for p in problems)
        errors += found
        click.echo(
            text("waivers.summary", lang, file=file, errors=found, warnings=len(problems) - found),
            err=True,
        )
    sys.exit(1 if errors else 0)


@waivers.command("sign")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Your Ed25519 private key (PEM).",
)
@click.option("--id", "ids", multiple=True, help="Sign only this waiver id (repeatable).")
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="Check the key's roles (waiver-author, waiver-approver) and validity first.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of FILE.")
@lang_option
def sign(
    file: Path,
    key_path: Path,
    ids: tuple[str, ...],
    trusted_keys: Path | None,
    output: Path | None,
    lang: str,
) -> None:
    """Sign the waivers of FILE with your key: an unsigned waiver becomes a signed record
    with you as its author; a waiver signed by another author gets your approval.

    The file is rewritten (YAML comments are not kept). Exit 3 when nothing is left to sign
    or the key may not sign (with --trusted-keys).
    """
    from ..audit.waivers import sign_waiver_file

    done = sign_waiver_file(file, key_path, ids=ids, trusted_keys=trusted_keys, output=output)
    for waiver_id, role in done:
        click.echo(text("waivers.signed_as", lang, id=waiver_id, role=role))
    click.echo(text("cli.wrote", lang, path=output or file))


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--norm", "norm_id", required=True, help="The norm judged (e.g. NK.GOV.08).")
@click.option("--verdict", type=click.Choice(["pass", "fail"]), required=True)
@click.option("--note", required=True, help="What was judged and why (kept in the report).")
@click.option(
    "--assessor",
    default=None,
    help="Who judges (name and organisation); for an unsigned judgement (without --key).",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    help="Sign the judgement with this Ed25519 private key (PEM): a signed record.",
)
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="With --key: check first that the key is a person's assessor key, valid on --date.",
)
@click.option(
    "--file",
    "target",
    required=True,
    type=click.Path(path_type=Path),
    help="Assessments file to append to (created when absent).",
)
@click.option("--date", "day", default=None, help="Date of the judgement (default today).")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Pick the evidence as `check --as-of` does at this date (default: --date).",
)
@click.option(
    "--carry-over",
    is_flag=True,
    help="Let the judgement hold for later bundles of the same system while the "
    "evidence is unchanged (default: this bundle only).",
)
@click.option("--profile", default=None, help="Profile name or file (default: full).")
@norm_paths_option()
@lang_option
def assess(
    bundle: Path,
    norm_id: str,
    verdict: str,
    note: str,
    assessor: str | None,
    key_path: Path | None,
    trusted_keys: Path | None,
    target: Path,
    day: str | None,
    as_of: str | None,
    carry_over: bool,
    profile: str | None,
    norm_paths: tuple[Path, ...],
    lang: str,
) -> None:
    """Record a supervisor's verdict on a norm for BUNDLE, pinned to the digests of the
    evidence the norm uses now, by appending it atomically to the assessments file.

    With --key the judgement is signed (it counts in `check --trusted-keys`); without, it
    is an unsigned judgement by --assessor (it counts only without --trusted-keys).
    """
    from ..audit.assessments import append_assessment, judge_bundle
    from ..results import Status

    key = None
    if key_path is not None and assessor is not None:
        raise InputError("USAGE", "give --key (signed: the key says who) or --assessor, not both")
    if key_path is not None:
        from ..evidence.signing import load_private_key

        key = load_private_key(key_path)
    elif trusted_keys is not None:
        raise InputError("USAGE", "--trusted-keys needs --key")

    item, finding = judge_bundle(
        bundle,
        norm_id,
        verdict=verdict,
        note=note,
        assessor=assessor,
        day=parse_day(day, "--date"),
        as_of=parse_day(as_of, "--as-of") if as_of else None,
        carry_over=carry_over,
        norm_paths=list(norm_paths) or None,
        profile=profile,
        key=key,
        trusted=_trusted(trusted_keys),
    )
    append_assessment(target, item)
    pins = ", ".join(f"{k} {v[:19]}…" for k, v in sorted(item.evidence.items()))
    signed = (
        text("assess.signed_by", lang, assessor=item.assessor)
        if item.signed
        else text("cli.unsigned", lang)
    )
    click.echo(
        text(
            "assess.recorded",
            lang,
            verdict=_word("status", item.verdict, lang),
            norm=item.norm,
            bundle=item.bundle,
            pins=pins or text("assess.no_evidence", lang),
            signed=signed,
            target=target,
        )
    )
    if finding.status is not Status.REVIEW:
        click.echo(
            text(
                "assess.not_in_review",
                lang,
                norm=norm_id,
                status=_word("status", finding.status.value, lang),
                reason=_word("reason", finding.reason.value, lang),
            ),
            err=True,
        )
