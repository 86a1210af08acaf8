"""``normenkader init``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Create a working bundle in DIRECTORY (which must be new or empty)."""
    from ..evidence.scaffold import scaffold

    written = scaffold(directory)
    click.echo(f"created {directory} with {len(written)} files; edit {directory}/bundle.yaml")
