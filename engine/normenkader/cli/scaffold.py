"""``normenkader init``."""

from __future__ import annotations

from pathlib import Path

import click

from ..messages import text
from . import norm_paths_option
from .lang import lang_option


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="NAME",
    help="A profile fact that holds (repeatable): the evidence the norms then need is put "
    "in place under evidence/ with a live manifest entry.",
)
@norm_paths_option()
@lang_option
def init(directory: Path, facts: tuple[str, ...], norm_paths: tuple[Path, ...], lang: str) -> None:
    """Create a working bundle in DIRECTORY (which must be new or empty)."""
    from ..evidence.scaffold import scaffold

    written = scaffold(directory, list(norm_paths) or None, facts)
    placed = sum(1 for path in written if path.parent.name == "evidence")
    more = text("init.placed", lang, count=placed, directory=directory) if placed else ""
    click.echo(text("init.created", lang, directory=directory, files=len(written), more=more))
