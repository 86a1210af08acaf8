"""``normenkader check`` (``validate`` is in cli/validate.py)."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..results import SEVERITIES, Status, exit_code
from ..workdir import private_workdir
from . import norm_paths_option
from .lang import lang_option

STATUS_NAMES = [s.value for s in Status]


def _fail_on(value: str) -> frozenset[Status]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in STATUS_NAMES]
    if unknown:
        raise InputError(
            "USAGE", f"--fail-on: unknown status {unknown[0]!r} (use {', '.join(STATUS_NAMES)})"
        )
    return frozenset(Status(part) for part in chosen)


def limit_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Options that bound what a bundle may contain (defaults in evidence.ingest.Limits)."""
    options = [
        click.option("--max-files", type=click.IntRange(1), help="Most files in a bundle."),
        click.option("--max-file-size", type=click.IntRange(1), help="Largest file, bytes."),
        click.option("--max-total-size", type=click.IntRange(1), help="Largest bundle, bytes."),
        click.option("--max-ratio", type=click.IntRange(1), help="Highest zip compression ratio."),
        click.option("--max-depth", type=click.IntRange(1), help="Deepest folder nesting."),
        click.option("--max-path-length", type=click.IntRange(1), help="Longest path, characters."),
        click.option(
            "--max-list-items",
            type=click.IntRange(1),
            help="Longest list in a structured evidence file.",
        ),
        click.option(
            "--max-manifest-size",
            type=click.IntRange(1),
            help="Largest bundle.yaml, tag file or structured evidence file, bytes.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_limits(kwargs: dict[str, Any]) -> Any:
    from ..evidence.ingest import Limits

    mapping = {
        "max_files": "max_files",
        "max_file_size": "max_file_bytes",
        "max_total_size": "max_total_bytes",
        "max_ratio": "max_ratio",
        "max_depth": "max_depth",
        "max_path_length": "max_path_length",
        "max_manifest_size": "max_manifest_bytes",
        "max_list_items": "max_list_items",
    }
    chosen = {field: kwargs.pop(name) for name, field in mapping.items() if kwargs.get(name)}
    for name in mapping:
        kwargs.pop(name, None)
    return Limits(**chosen)


@click.command()
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json", "html", "markdown", "sarif", "junit", "oscal", "pdf"]),
    default=None,
    help="Report format (default: terminal, or from the --output suffix). pdf prints the "
    "HTML report through a headless Chromium and needs -o.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
@click.option("--profile", default=None, help="Profile name or file (default: full).")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Judge freshness and validity at this date (YYYY-MM-DD or 'today'; default: the "
    "bundle's reference_date, else its submitted date).",
)
@norm_paths_option("Use these norm files/folders instead of the shipped library.")
@click.option("--only", multiple=True, help="Evaluate only these norm ids (and prerequisites).")
@click.option("--waivers", type=click.Path(path_type=Path), help="Waiver file.")
@click.option("--waiver-policy", type=click.Path(path_type=Path), help="Waiver policy file.")
@click.option("--assessments", type=click.Path(path_type=Path), help="Supervisor judgements.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Earlier JSON result: fail only on findings that are new; every format marks "
    "each finding as new or known.",
)
@click.option(
    "--warn-stale",
    default="P30D",
    show_default=True,
    help="List evidence that goes stale within this period after the as-of date "
    "(ISO 8601, e.g. P30D, P3M; 0 for off).",
)
@click.option(
    "--fail-on",
    default="fail,missing,blocked",
    show_default=True,
    help="Statuses that make the exit code 1.",
)
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default="info",
    show_default=True,
    help="Only findings at or above this severity count for --fail-on.",
)
@lang_option
@click.option(
    "--require-signature", is_flag=True, help="Reject a bundle without a trusted signature."
)
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="Trusted-keys file; with it only signed waivers and judgements count.",
)
@click.option(
    "--signature",
    type=click.Path(path_type=Path),
    help="A detached bundle signature (sign -o); implies --require-signature.",
)
@click.option(
    "--statement",
    type=click.Path(path_type=Path),
    help="Write a signed result statement (in-toto/DSSE) here; needs --sign-key.",
)
@click.option("--sign-key", type=click.Path(path_type=Path), help="Ed25519 private key (PEM).")
@click.option(
    "--signed-at",
    default=None,
    help="Signing time of --statement (RFC 3339 or YYYY-MM-DD; default: now, UTC).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour terminal output (default: if a tty)."
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse, validate and compile everything afresh; read and write no local cache.",
)
@limit_options
def check(
    bundles: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    profile: str | None,
    as_of: str | None,
    norm_paths: tuple[Path, ...],
    only: tuple[str, ...],
    waivers: Path | None,
    waiver_policy: Path | None,
    assessments: Path | None,
    baseline: Path | None,
    warn_stale: str,
    fail_on: str,
    min_severity: str,
    lang: str,
    require_signature: bool,
    trusted_keys: Path | None,
    signature: Path | None,
    statement: Path | None,
    sign_key: Path | None,
    signed_at: str | None,
    color: bool | None,
    no_cache: bool,
    **limits: Any,
) -> None:
    """Evaluate the norms against each BUNDLE (working folder, bag folder or zip).

    With several bundles the norm set is compiled once; the terminal report of each is
    printed in turn, other formats need -o naming an existing folder (one file per bundle,
    named after the bundle's folder or zip). A rejected bundle is one error line and the
    others are still checked. The exit code is the highest of the bundles' (3 > 2 > 1 > 0).
    """
    from ..audit import evaluation_options
    from ..engine import evaluate
    from ..evidence.bundle import open_bundle
    from ..norms.compiled import load_norm_set
    from ..report import SUFFIXES, render

    if no_cache:  # for this command only: no cache is read or written until it returns
        from .. import cache

        click.get_current_context().with_resource(cache.bypass())
    from .. import asof

    wanted = asof.requested(as_of)
    statuses = _fail_on(fail_on)
    _check_window(warn_stale)
    if statement and not sign_key:
        raise InputError("USAGE", "--statement needs --sign-key")
    require_signature = require_signature or signature is not None
    if require_signature and not trusted_keys:
        raise InputError("USAGE", "--require-signature needs --trusted-keys")
    if statement and output and _same_file(statement, output):
        raise InputError("USAGE", "--statement and -o name the same file", str(statement))
    inputs = {
        "--sign-key": sign_key,
        "--trusted-keys": trusted_keys,
        "--signature": signature,
        "--waivers": waivers,
        "--waiver-policy": waiver_policy,
        "--assessments": assessments,
        "--baseline": baseline,
    }
    for flag, target in (("-o", output), ("--statement", statement)):
        for name, source in inputs.items():
            if target and source and _same_file(target, source):
                raise InputError("USAGE", f"{flag} would overwrite the {name} file", str(target))
    key, signing_moment = None, None
    if statement and sign_key:
        from ..evidence.signing import load_private_key, signing_time

        key = load_private_key(sign_key)  # a bad key is rejected before any report is written
        signing_moment = signing_time(signed_at)
    keys, keys_digest = None, None
    if trusted_keys:
        from ..evidence.signing import read_trusted_keys

        keys, keys_digest = read_trusted_keys(trusted_keys)
    detached = None
    if signature is not None:
        from ..inputfile import read_input_file

        detached = (read_input_file(signature, "SIGNATURE_INVALID", 1 << 20), str(signature))
    if len(bundles) > 1:
        for flag, value in (
            ("--statement", statement),
            ("--signature", signature),
            ("--baseline", baseline),
        ):
            if value is not None:
                raise InputError("USAGE", f"{flag} belongs to one bundle: give a single BUNDLE")
        if output is not None and not output.is_dir():
            raise InputError(
                "OUTPUT_INVALID", "with several bundles -o names an existing folder", str(output)
            )
        if output is None and fmt not in (None, "terminal"):
            raise InputError("USAGE", f"--format {fmt} of several bundles needs -o FOLDER")
    if fmt is None:
        if len(bundles) > 1:
            fmt = "json" if output else "terminal"
        else:
            fmt = SUFFIXES.get(output.suffix.lower(), "terminal") if output else "terminal"
    browser = None
    if fmt == "pdf":
        from ..report.pdf import find_browser

        if output is None:
            raise InputError("USAGE", "--format pdf needs -o FILE")
        browser = find_browser()  # PDF_UNAVAILABLE before any work when there is none
    norm_set = load_norm_set(list(norm_paths) or None, profile, only=list(only) or None)
    gc.freeze()  # the norm set lives as long as the run: keep it out of later GC passes
    if sys.stderr.isatty():
        from ..datasets.load import set_progress

        set_progress(_show_progress)

    def one(bundle: Path, output: Path | None) -> int:
        with private_workdir() as staging:
            opened = open_bundle(bundle, make_limits(limits), staging)
            day, day_source = asof.resolve(wanted, opened.manifest["bundle"])
            if require_signature:
                from ..evidence.signing import require_signature as verify_signature

                assert keys is not None
                verify_signature(
                    opened.tree,
                    opened.digest,
                    keys,
                    organisation=opened.manifest["bundle"].get("organisation"),
                    detached=detached,
                )
            options = evaluation_options(
                norm_set, day, waivers, waiver_policy, assessments, trusted_keys=keys
            )
            options.as_of_source = day_source
            options.trusted_keys = tuple(keys) if keys is not None else None
            result = evaluate(norm_set, opened, options)
        from ..report.context import Context, stale_soon

        ignore: frozenset[str] = frozenset()
        compared = None
        if baseline:
            from ..audit.diff import baseline_compare

            compared = baseline_compare(result, baseline)
            ignore = compared.known
        context = Context(compared, tuple(stale_soon(result, norm_set, warn_stale)))
        if fmt == "terminal":
            from ..report.terminal import render as render_terminal

            use_color = sys.stdout.isatty() if color is None else color
            text: str | bytes = render_terminal(
                result,
                lang=lang,
                norm_set=norm_set,
                color=use_color and output is None,
                context=context,
            )
        elif fmt == "pdf":
            from ..report.pdf import print_pdf

            page = render("html", result, lang=lang, norm_set=norm_set, context=context)
            assert browser is not None and isinstance(page, str)
            text = print_pdf(browser, page)
        else:
            # with --statement a JSON report is the signed result itself, byte for byte, so
            # `verify --report` matches it: no baseline marks or stale-soon notices in it
            plain = fmt == "json" and statement is not None
            text = render(
                fmt, result, lang=lang, norm_set=norm_set, context=None if plain else context
            )
        if output:
            from ..atomic import write_atomic
            from ..report.terminal import one_line

            write_atomic(output, text, public=True)
            click.echo(f"{one_line(result, lang, context)} -> {output}", err=True)
        else:
            _echo(text)
        if statement and key is not None:
            from ..atomic import write_atomic
            from ..evidence.signing import result_statement, run_inputs
            from ..report import render as render_any

            report = render_any("json", result, lang=lang, norm_set=norm_set)
            data = report.encode("utf-8") if isinstance(report, str) else report
            statement_bytes = result_statement(
                result.to_dict(),
                data,
                key,
                lang=lang,
                run_inputs=run_inputs(
                    norm_set,
                    waiver_policy,
                    keys_digest,
                    require_signature,
                    list(only),
                    records=bool(waivers or assessments),
                ),
                signed_at=signing_moment,
            )
            write_atomic(statement, statement_bytes, public=True)
        notice = asof.old_date_notice(day, day_source)
        if notice:
            click.echo(notice, err=True)  # on stderr only: the report does not depend on today
        return exit_code(result, statuses, min_severity, ignore)

    if len(bundles) == 1:
        sys.exit(one(bundles[0], output))
    targets = _targets(bundles, fmt, output)
    codes = []
    for bundle, target in zip(bundles, targets, strict=True):
        if target is None:
            from ..textsafe import visible

            click.echo(f"== {visible(str(bundle))}")
        try:
            codes.append(one(bundle, target))
        except InputError as exc:
            exc.lang = lang
            click.echo(exc.line(), err=True)
            codes.append(exc.exit_code)
    sys.exit(max(codes))


#: file name suffix of each report format, for one file per bundle
FORMAT_SUFFIX = {
    "json": ".json",
    "html": ".html",
    "markdown": ".md",
    "sarif": ".sarif",
    "junit": ".xml",
    "oscal": ".oscal.json",
    "pdf": ".pdf",
    "terminal": ".txt",
}


def _targets(bundles: tuple[Path, ...], fmt: str, output: Path | None) -> list[Path | None]:
    """Where each bundle's report goes: stdout (None) or ``output/<bundle name><suffix>``."""
    if output is None:
        return [None] * len(bundles)
    names = [
        (b.name[:-4] if b.name.lower().endswith(".zip") else b.name) or "bundle" for b in bundles
    ]
    if len(set(names)) < len(names):
        raise InputError("USAGE", "two bundles have the same name: their reports would collide")
    for name in names:
        if name in (".", "..") or "/" in name or "\0" in name:
            raise InputError("USAGE", f"no report file can be named after {name!r}")
    return [output / f"{name}{FORMAT_SUFFIX[fmt]}" for name in names]


def _check_window(text: str) -> None:
    from ..report.context import warn_window

    try:
        warn_window(text)
    except ValueError:
        raise InputError(
            "USAGE", f"--warn-stale: {text!r} is not a period such as P30D or P3M, or 0"
        ) from None


def _same_file(first: Path, second: Path) -> bool:
    """Whether two output options name one file: same spelling once the folders are
    resolved, the same final target, or (when both exist) the same inode."""
    try:
        a = first.absolute().parent.resolve() / first.name
        b = second.absolute().parent.resolve() / second.name
        if a == b or first.resolve() == second.resolve():
            return True
        return os.path.samefile(first, second)
    except (OSError, RuntimeError):  # a missing file, or a symlink loop
        return False


def _show_progress(percent: float) -> None:
    """Progress of a long dataset scan, on a terminal only (stderr, one rewritten line)."""
    end = "\n" if percent >= 100 else ""
    click.echo(f"\rscanning decision data: {percent:5.1f}%{end}", err=True, nl=False)


def _echo(text: str | bytes) -> None:
    if isinstance(text, bytes):
        sys.stdout.buffer.write(text)
    else:
        sys.stdout.write(text)
    sys.stdout.flush()
