"""Error types shared by every layer.

Every rejection of input carries a stable code (documented in docs/error-codes.md) and is
rendered by the CLI as exactly one line: ``error CODE: where: what``. Nothing below the CLI
exits the process; it raises one of these.
"""

from __future__ import annotations


class NormenkaderError(Exception):
    """Base class; maps to an exit code."""

    exit_code = 4
    #: the language of the one-line rendering (set by the CLI's ``--lang``)
    lang = "en"


class InputError(NormenkaderError):
    """Input rejected: invalid or hostile bundle, invalid norms, bad option file (exit 3)."""

    exit_code = 3

    def __init__(
        self,
        code: str,
        message: str,
        where: str | None = None,
        text: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.where = where
        self.text = text  # {en, nl} from the message catalogue, when the message came from it
        super().__init__(self.line("en"))

    def line(self, lang: str | None = None) -> str:
        """The one-line rendering used by the CLI: ``error CODE: where: what``.

        ``CODE`` is machine-read and never translated; in Dutch, ``what`` is the catalogue
        text, or the code's Dutch description followed by the detail as written.
        """
        from .textsafe import visible

        message = self.message
        if (lang or self.lang) == "nl":
            if self.text and self.text.get("nl"):
                message = self.text["nl"]
            else:
                from .messages import error_description

                described = error_description(self.code, "nl")
                message = f"{described}: {message}" if described else message
        message = visible(" ".join(message.split()))
        if self.where:
            return f"error {self.code}: {visible(self.where)}: {message}"
        return f"error {self.code}: {message}"


class NormLoadError(InputError):
    """One or more norm files are invalid; carries every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        first = problems[0] if problems else "invalid norm set"
        more = (
            f" (and {len(problems) - 1} more problems; run `normenkader lint`)"
            if len(problems) > 1
            else ""
        )
        super().__init__("NORM_INVALID", first + more)
