"""The ``normenkader`` command line.

Commands live in small modules and are imported only when invoked, so ``check`` does not
pay for the imports of ``graph`` or ``seal``. The CLI only parses options, calls the
library, renders and exits; every exit code is decided here (design 6.7).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import InputError, NormenkaderError
from ..suggest import suggest

#: command name -> "module:attribute", relative to this package.
COMMANDS: dict[str, str] = {
    "check": "check:check",
    "validate": "validate:validate",
    "init": "scaffold:init",
    "lint": "norms:lint",
    "graph": "norms:graph",
    "explain": "norms:explain",
    "schema": "norms:schema",
    "seal": "bag:seal",
    "keygen": "bag:keygen",
    "sign": "bag:sign",
    "attest": "bag:attest",
    "verify": "bag:verify",
    "test": "normtest:test",
    "coverage": "catalogue:coverage",
    "import-catalogue": "catalogue:import_catalogue",
    "diff": "audit:diff",
    "waivers": "audit:waivers",
    "assess": "audit:assess",
    "audit": "workspace:audit",
}


DEFAULT_NORMS_HELP = "Norm files or folders (repeatable); default: the shipped library."


def norm_paths_option(help_text: str = DEFAULT_NORMS_HELP) -> Callable[[Any], Any]:
    """``--norms PATH`` (repeatable), passed on as ``norm_paths``."""
    return click.option(
        "--norms", "norm_paths", multiple=True, type=click.Path(path_type=Path), help=help_text
    )


def parse_day(value: str | None, option: str = "--as-of") -> date:
    """A ``YYYY-MM-DD`` option value; today (UTC) when it is not given."""
    if value is None:
        from ..asof import today

        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("USAGE", f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


#: old names of the human-readable format, still accepted (docs/cli.md)
FORMAT_ALIASES: dict[str, str] = {"table": "terminal", "text": "terminal"}


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A ``--format`` choice where ``table`` and ``text`` mean ``terminal``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value not in self.choices:
            value = FORMAT_ALIASES.get(value, value)
        return super().convert(value, param, ctx)


def format_option(*choices: str, default: str = "terminal") -> Callable[[Any], Any]:
    """``--format`` with ``terminal`` as the human format's one name."""
    return click.option(
        "--format",
        "fmt",
        type=FormatChoice(list(choices)),
        default=default,
        show_default=True,
        help="Output format (terminal is the human-readable one; 'table'/'text' are accepted).",
    )


def output_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``-o FILE``: what the command prints to stdout goes to FILE instead (written
    atomically, also when the command exits 1), and one line names the file on stderr."""
    import contextlib
    import functools
    import io

    @click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here, not stdout.")
    @functools.wraps(function)
    def wrapper(*args: Any, output: Path | None = None, **kwargs: Any) -> Any:
        if output is None:
            return function(*args, **kwargs)
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                result = function(*args, **kwargs)
        except SystemExit as exc:
            if exc.code in (0, 1, None):  # a verdict, not a rejection: keep the output
                _write_output(output, buffer.getvalue())
            raise
        _write_output(output, buffer.getvalue())
        return result

    return wrapper


def _write_output(path: Path, text: str) -> None:
    from ..atomic import write_atomic

    write_atomic(path, text, public=True)
    click.echo(f"wrote {path}", err=True)


class LazyGroup(click.Group):
    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click.UsageError(
                f"no such command {name!r}{suggest(name, self.list_commands(ctx))}", ctx
            )
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":
                return None
            raise
        command: click.Command = getattr(module, attribute)
        return command

    @staticmethod
    def _available(name: str) -> bool:
        import importlib.util

        module_name = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(f"{__name__}.{module_name}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="normenkader")
def cli() -> None:
    """Check evidence bundles of government algorithms against the Dutch normenkader."""


def fail(error: NormenkaderError) -> None:
    """Print the one-line rejection and exit with the error's code."""
    line = error.line() if hasattr(error, "line") else f"error INTERNAL: {error}"
    click.echo(line, err=True)
    sys.exit(error.exit_code)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: every failure becomes one line and a stable exit code."""
    # Modules, classes and functions loaded so far live as long as the process: moving
    # them to the permanent generation spares every later cyclic-GC pass from scanning
    # them again (measured: about 3% of a warm ``check`` run's instructions).
    gc.freeze()
    try:
        return cli.main(args=argv, prog_name="normenkader", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        # usage errors (bad option, unknown norm id given on the command line): input rejected
        click.echo(f"error USAGE: {exc.format_message()}", err=True)
        sys.exit(3)
    except click.Abort:
        click.echo("error INTERRUPTED: aborted", err=True)
        sys.exit(4)
    except NormenkaderError as exc:
        fail(exc)
    except KeyboardInterrupt:
        click.echo("error INTERRUPTED: interrupted", err=True)
        sys.exit(4)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        from ..textsafe import visible

        text = visible(" ".join(str(exc).split()))[:500]
        click.echo(
            f"error INTERNAL: {type(exc).__name__}: {text} "
            "(this is a bug in normenkader; please report it with the command you ran)",
            err=True,
        )
        sys.exit(4)
