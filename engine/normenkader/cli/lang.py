"""``--lang nl|en``: one option for every command that prints.

Without the option the language comes from ``NORMENKADER_LANG``, else the locale, else
English (messages.default_lang). A rejection raised by the command is printed in the same
language: the chosen language travels on the error to the one-line renderer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from ..errors import NormenkaderError
from ..messages import LANGS, default_lang, text


def lang_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--lang`` (passed on as ``lang``, never None) to a click command."""

    @click.option(
        "--lang",
        type=click.Choice(sorted(LANGS)),
        default=None,
        help=text("cli.lang_help", "en"),
    )
    @functools.wraps(function)
    def wrapper(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        chosen = lang or default_lang()
        try:
            return function(*args, lang=chosen, **kwargs)
        except NormenkaderError as exc:
            exc.lang = chosen
            raise

    return wrapper
