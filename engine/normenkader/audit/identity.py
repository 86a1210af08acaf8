"""When do two names denote one person (or one organisation)?

Names are only compared where no key says who someone is: the author and approver of an
unsigned waiver, and the person and organisation named in trusted keys. The comparison
must not be fooled by text that *looks* the same, so both names are reduced to a key:

1. Unicode NFKC (fullwidth ``Ｊ`` is ``J``, ligatures are split), then case folding;
2. default-ignorable code points are removed (zero-width space and joiners, soft hyphen,
   bidi controls, variation selectors, Hangul fillers, tags: Unicode
   DerivedCoreProperties ``Default_Ignorable_Code_Point``);
3. a parenthesised or bracketed qualifier is dropped (``J. de Vries (team lead)`` and
   ``J. de Vries (CISO)`` are one person);
4. the confusables skeleton of Unicode TS #39 (NFD, each character to its prototype,
   NFD): Cyrillic ``і`` becomes ``i``, ``¡`` becomes ``i``, ``0`` becomes ``O``;
5. case folded again, nonspacing marks (accents) dropped, and every punctuation,
   separator, control or format character removed: ``J. de Vries``, ``J de Vries`` and
   ``JdeVries`` are one key.

The steps repeat until the key no longer changes (a prototype may itself fold further).
The prototype table is Unicode's own (``data/confusables.tsv``, Unicode 18.0.0; see its
header for provenance and licence).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

#: Default_Ignorable_Code_Point (Unicode DerivedCoreProperties), as inclusive ranges.
IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_IGNORABLE = re.compile(
    "[" + "".join(f"\\U{lo:08X}-\\U{hi:08X}" for lo, hi in IGNORABLE_RANGES) + "]"
)
_QUALIFIER = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
#: General categories removed from a key: punctuation, separators, controls, formats,
#: nonspacing and enclosing marks.
_DROPPED = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs", "Zl", "Zp", "Cc", "Cf"})
_MARKS = frozenset({"Mn", "Me"})
MAX_ROUNDS = 4
MAX_NAME_CHARS = 1000

_TABLE = Path(__file__).with_name("data") / "confusables.tsv"


@lru_cache(maxsize=1)
def prototypes() -> dict[int, str]:
    """Source code point -> prototype string, from the vendored UTS #39 table."""
    table: dict[int, str] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        source, target = line.split("\t")
        table[int(source, 16)] = "".join(chr(int(part, 16)) for part in target.split())
    return table


def remove_ignorable(text: str) -> str:
    return _IGNORABLE.sub("", text)


def skeleton(text: str) -> str:
    """The TS #39 skeleton: NFD, ignorables removed, each character to its prototype, NFD."""
    table = prototypes()
    decomposed = remove_ignorable(unicodedata.normalize("NFD", text))
    mapped = "".join(table.get(ord(char), char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


def _round(text: str) -> str:
    text = remove_ignorable(unicodedata.normalize("NFKC", text)).casefold()
    previous = None
    while previous != text:  # nested qualifiers: "(a (b))"
        previous, text = text, _QUALIFIER.sub(" ", text)
    text = skeleton(text).casefold()
    return "".join(
        char
        for char in unicodedata.normalize("NFD", text)
        if unicodedata.category(char) not in _DROPPED and unicodedata.category(char) not in _MARKS
    )


def name_key(name: str) -> str:
    """The comparison key of a person's or organisation's name (see the module docstring)."""
    key = name[:MAX_NAME_CHARS]
    for _ in range(MAX_ROUNDS):
        following = _round(key)
        if following == key:
            break
        key = following
    return key


def same_person(a: str | None, b: str | None) -> bool:
    """True when two names reduce to the same key (an empty key matches only itself)."""
    if a is None or b is None:
        return False
    return name_key(a) == name_key(b)


#: Organisations are compared the same way as persons.
same_organisation = same_person
