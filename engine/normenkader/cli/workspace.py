"""``normenkader audit ...``: the supervisor's workspace of many bundles and its ledger.

Each subcommand parses, calls :mod:`normenkader.workspace`, prints and exits. Commands that
write a ledger entry sign it with ``--key`` (or the key file named by
``$NORMENKADER_AUDIT_KEY``); the key must be in the workspace's trusted keys with the role
the entry needs (docs/audit.md).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import format_option, norm_paths_option, output_option
from .lang import lang_option

if TYPE_CHECKING:
    from ..workspace.workspace import Workspace

KEY_HELP = "The actor's private key (default: the file in $NORMENKADER_AUDIT_KEY)."


def _key_option(function: Any) -> Any:
    return click.option("--key", "key_path", type=click.Path(path_type=Path), help=KEY_HELP)(
        function
    )


@contextlib.contextmanager
def _opened(directory: Path) -> Iterator[Workspace]:
    """The workspace at ``directory``, its ledger closed again whatever happens."""
    from ..workspace.workspace import open_workspace

    workspace = open_workspace(directory)
    try:
        yield workspace
    finally:
        workspace.close()


def _workspace_argument(function: Any) -> Any:
    return click.argument("directory", type=click.Path(path_type=Path))(function)


@click.group()
def audit() -> None:
    """A supervisor's audit: many bundles, one pinned norm set, a signed append-only ledger."""


@audit.command("init")
@_workspace_argument
@click.option("--name", required=True, help="The audit's name, e.g. 'Audit 2026'.")
@click.option(
    "--trusted-keys",
    "trusted_keys",
    required=True,
    type=click.Path(path_type=Path),
    help="Trusted-keys file with the supervisors', assessors' and approvers' keys and roles.",
)
@click.option("--profile", default=None, help="Profile name or file (default: full).")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Reference date of the audit, YYYY-MM-DD (default: today, recorded in audit.yaml).",
)
@click.option(
    "--ledger",
    default=None,
    help="Ledger file name inside the workspace (default ledger.sqlite) or a postgresql:// URL.",
)
@norm_paths_option("Norm files or folders to pin (repeatable); default: the shipped library.")
@_key_option
def init(
    directory: Path,
    name: str,
    trusted_keys: Path,
    profile: str | None,
    as_of: str | None,
    ledger: str | None,
    norm_paths: tuple[Path, ...],
    key_path: Path | None,
) -> None:
    """Create the workspace DIRECTORY: audit.yaml pins the norm set (by digest), the
    profile and the reference date; the first ledger entry records them."""
    from ..asof import today
    from ..workspace.workspace import LEDGER, actor_key, init_workspace
    from . import parse_day

    key = actor_key(key_path)
    day = parse_day(as_of) if as_of else today()
    workspace = init_workspace(
        directory,
        name,
        trusted_keys=trusted_keys,
        key=key,
        profile=profile,
        as_of=day,
        norms=list(norm_paths) or None,
        ledger=ledger or LEDGER,
    )
    digest = workspace.config.norm_set_digest
    workspace.close()
    click.echo(f"created {directory} (norm set {digest[:23]}, as of {day.isoformat()})")


@audit.command("add")
@_workspace_argument
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@_key_option
def add(directory: Path, bundles: tuple[Path, ...], key_path: Path | None) -> None:
    """Take in BUNDLES (folders, bags or zips), each sealed under its digest and recorded.

    A rejected bundle is recorded with its error code; the others are still taken in.
    Exit 3 when any bundle was rejected, else 0.
    """
    from ..textsafe import visible
    from ..workspace.intake import add_one
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    rejected = 0
    with _opened(directory) as workspace:
        for source in bundles:
            outcome = add_one(workspace, source, key)
            if outcome.status == "rejected":
                rejected += 1
                click.echo(f"rejected {visible(outcome.source)}: {outcome.message}", err=True)
            elif outcome.status == "known":
                click.echo(f"known    {outcome.bundle_id} {str(outcome.digest)[:19]}")
            else:
                click.echo(f"received {outcome.bundle_id} {str(outcome.digest)[:19]}")
    if rejected:
        sys.exit(3)


@audit.command("add-register")
@_workspace_argument
@click.argument("export", type=click.Path(path_type=Path))
@_key_option
def add_register(directory: Path, export: Path, key_path: Path | None) -> None:
    """Take in an Algoritmeregister export (JSON or CSV, publication standard v1.0.0):
    each entry becomes a minimal bundle of system and profile facts with the entry as
    evidence, sealed and recorded as 'audit add' does.

    The export is checked whole first; a bad one is one error line, exit 3, and nothing is
    taken in. Exit 3 also when an entry's bundle was rejected, else 0.
    """
    from ..textsafe import visible
    from ..workspace.register import add_register as take_in
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    with _opened(directory) as workspace:
        outcomes = take_in(workspace, export, key)
    counts = {"accepted": 0, "known": 0, "rejected": 0}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status == "rejected":
            click.echo(f"rejected {visible(outcome.source)}: {outcome.message}", err=True)
    click.echo(
        f"{len(outcomes)} entries: {counts['accepted']} received, {counts['known']} known, "
        f"{counts['rejected']} rejected"
    )
    if counts["rejected"]:
        sys.exit(3)


@audit.command("run")
@_workspace_argument
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes.")
@_key_option
def run(directory: Path, jobs: int | None, key_path: Path | None) -> None:
    """Evaluate every received bundle in one process pool and record the run.

    Exit 2 when a bundle could not be evaluated, else 0 (verdicts are in 'audit status').
    """
    from ..workspace.run import run_all
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    with _opened(directory) as workspace:
        outcome = run_all(workspace, key, jobs)
    if outcome.entry is None:
        click.echo(
            f"up to date: {len(outcome.results)} result(s), nothing changed since the last run"
        )
    else:
        click.echo(f"run #{outcome.entry.seq}: {len(outcome.results)} bundle(s) evaluated")
    for error in outcome.errors:
        click.echo(f"error {error['id']}: {error['error']}", err=True)
    if outcome.errors:
        sys.exit(2)


@audit.command("status")
@_workspace_argument
@format_option("terminal", "json", "csv", "xlsx", "html")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
@lang_option
def status(directory: Path, fmt: str, output: Path | None, lang: str) -> None:
    """The matrix of norms by bundles, how many meet every blocker (per set) and what
    changed since the previous run. The JSON form follows audit-status.schema.json."""
    from ..errors import InputError
    from ..workspace import status as audit_status

    if fmt == "xlsx" and output is None:
        raise InputError("USAGE", "--format xlsx writes a file: give -o FILE.xlsx")
    with _opened(directory) as workspace:
        document = audit_status.build(workspace)
        if fmt == "html":
            from ..workspace.report import render as render_html

            rendered: str | bytes = render_html(workspace, document, lang)
        else:
            rendered = audit_status.render(document, fmt, lang)
    _emit(rendered, output)


def _emit(rendered: str | bytes, output: Path | None) -> None:
    from ..atomic import write_atomic

    if output is None:
        assert isinstance(rendered, str)
        click.echo(rendered, nl=False)
        return
    write_atomic(output, rendered, public=True)
    click.echo(f"wrote {output}", err=True)


@audit.command("review")
@_workspace_argument
@format_option("terminal", "json")
@output_option
@lang_option
def review(directory: Path, fmt: str, lang: str) -> None:
    """Every finding of the last run that waits for a supervisor's judgement, with the
    norm's prompt and the evidence (id, sha256) a judgement is pinned to."""
    from ..textsafe import visible
    from ..workspace.review import review_queue

    with _opened(directory) as workspace:
        queue = review_queue(workspace)
    if fmt == "json":
        click.echo(json.dumps(queue, ensure_ascii=False, indent=2, sort_keys=True))
        return
    if not queue:
        click.echo("niets te beoordelen" if lang == "nl" else "nothing waits for a judgement")
        return
    for item in queue:
        prompt = item["prompt"]
        if isinstance(prompt, dict):
            prompt = prompt.get(lang) or prompt.get("en", "")
        click.echo(f"{item['bundle']}  {item['norm']}  ({item['severity']})  {item['digest'][:19]}")
        click.echo(f"  {visible(str(prompt))}")
        for use in item["evidence"]:
            click.echo(f"  evidence {use['id']} {use['sha256'][:19]}")


@audit.command("judge")
@_workspace_argument
@click.option("--bundle", "bundle_ref", required=True, help="Bundle id or digest.")
@click.option("--norm", "norm_id", required=True, help="The norm judged, e.g. NK.DISC.07.")
@click.option("--verdict", type=click.Choice(["pass", "fail"]), required=True)
@click.option("--reason", required=True, help="What was judged and why (kept in the record).")
@_key_option
def judge(
    directory: Path,
    bundle_ref: str,
    norm_id: str,
    verdict: str,
    reason: str,
    key_path: Path | None,
) -> None:
    """Record a signed judgement (an assessor's key), pinned to the digests of the evidence
    judged; the next 'audit run' applies it."""
    from ..workspace.review import judge as record
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    with _opened(directory) as workspace:
        judged = record(workspace, bundle_ref, norm_id, verdict=verdict, reason=reason, key=key)
    click.echo(
        f"judgement #{judged.entry.seq}: {judged.entry.body['id']} {norm_id} {verdict}"
        " (applied by the next 'audit run')"
    )


@audit.command("waive")
@_workspace_argument
@click.argument("waivers", type=click.Path(path_type=Path))
@_key_option
def waive(directory: Path, waivers: Path, key_path: Path | None) -> None:
    """Record the signed waivers of WAIVERS (signed by their author and by this approver's
    key with 'normenkader waivers sign'); the next 'audit run' applies them per bundle."""
    from ..workspace.waivers import record_waivers
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    with _opened(directory) as workspace:
        recorded = record_waivers(workspace, waivers, key)
    for item in recorded:
        if item.seq is None:
            click.echo(f"known    {item.id} {item.norm}")
        else:
            click.echo(
                f"waiver #{item.seq}: {item.id} {item.norm} (applied by the next 'audit run')"
            )


@audit.group("ledger")
def ledger() -> None:
    """The signed, hash-chained ledger of the workspace."""


@ledger.command("verify")
@_workspace_argument
@format_option("terminal", "json")
def ledger_verify(directory: Path, fmt: str) -> None:
    """Recompute the chain, every signature and signer's role, and every file an entry names.

    Exit 0 when intact; exit 3 naming the first entry changed, removed, reordered or forged.
    """
    from ..workspace.verify import verify_workspace

    with _opened(directory) as workspace:
        verdict = verify_workspace(workspace)
    last = verdict.entries[-1] if verdict.entries else None
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "intact": verdict.intact,
                    "entries": len(verdict.entries),
                    "head": {"seq": last.seq, "hash": last.row.hash} if last else None,
                    "problem": None
                    if verdict.problem is None
                    else {
                        "seq": verdict.problem.seq,
                        "code": verdict.problem.code,
                        "message": verdict.problem.message,
                    },
                },
                indent=2,
                sort_keys=True,
            )
        )
    elif verdict.intact and last is not None:
        click.echo(
            f"ledger intact: {len(verdict.entries)} entries, head #{last.seq} {last.row.hash}"
        )
    if verdict.problem is not None:
        from ..textsafe import visible

        click.echo(
            f"error LEDGER_BROKEN: {visible(str(directory))}: {verdict.problem.line()}", err=True
        )
        sys.exit(3)


@audit.command("report")
@_workspace_argument
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="HTML file.")
@lang_option
@_key_option
def report(directory: Path, output: Path, lang: str, key_path: Path | None) -> None:
    """Write one self-contained HTML report of the whole audit and record its sha256.

    The ledger is verified first: over a ledger that is not intact no report is issued
    (exit 3, LEDGER_BROKEN naming the first defect).
    """
    from ..atomic import write_atomic
    from ..textsafe import visible
    from ..workspace import status as audit_status
    from ..workspace.report import render as render_html
    from ..workspace.verify import verify_workspace
    from ..workspace.workspace import actor_key

    key = actor_key(key_path)
    with _opened(directory) as workspace:
        verdict = verify_workspace(workspace)  # a report is issued over an intact ledger only
        if verdict.problem is not None:
            click.echo(
                f"error LEDGER_BROKEN: {visible(str(directory))}: {verdict.problem.line()}",
                err=True,
            )
            sys.exit(3)
        document = audit_status.build(workspace)
        page = render_html(workspace, document, lang).encode("utf-8")
        write_atomic(output, page, public=True)
        import hashlib

        body = {
            "lang": lang,
            "sha256": "sha256:" + hashlib.sha256(page).hexdigest(),
            "run": document["run"]["seq"] if document["run"] else None,
            "ledger_head": document["ledger"]["head"],
        }
        entry = workspace.append("report", body, key)
    assert entry is not None
    click.echo(f"wrote {output} (report entry #{entry.seq}, {body['sha256'][:19]})")
