"""Catalogues: upstream frameworks by id and version, loaded as plain data.

A catalogue file (``norms/catalogues/*.yaml``, format ``normenkader-catalogue/1``) holds
one upstream framework at one version: the Algoritmekader requirements and measures, the
ADR controls, the Rekenkamer items or the law articles they cite. The id/link part is
written by ``normenkader import-catalogue``; titles (nl, en) are our own words.

Loading uses the strict YAML loader and plain dict checks (no pydantic), and is cached by
the files' bytes, so the roll-up after every ``check`` stays cheap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..resources import norms_dir
from ..yamlio import Document, load_structured, loads_yaml
from .upstream import natural_key

FORMAT = "normenkader-catalogue/1"
#: File section -> item type.
SECTIONS: dict[str, str] = {
    "requirements": "requirement",
    "measures": "measure",
    "controls": "control",
    "items": "item",
    "articles": "article",
}
#: Item types that norms satisfy (coverage targets, roll-up rows). Measures are advisory
#: routes and articles are cited through requirements; both are shown, not rolled up.
ROLLUP_TYPES = frozenset({"requirement", "control", "item"})
#: Fields per item type: (written by the importer, written by us).
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "requirement": (
        frozenset({"fingerprint", "lifecycle", "topics", "ai_act", "legal"}),
        frozenset({"title", "note"}),
    ),
    "measure": (
        frozenset({"fingerprint", "lifecycle", "topics", "requirements", "adr", "ark"}),
        frozenset({"title", "note"}),
    ),
    "control": (frozenset({"theme"}), frozenset({"title", "note"})),
    "item": (frozenset({"perspective"}), frozenset({"title", "note"})),
    "article": (frozenset({"instrument"}), frozenset({"title", "note"})),
}
#: Header keys of a catalogue file, in the order the importer writes them.
HEADER_ORDER = (
    "format",
    "catalogue",
    "version",
    "title",
    "description",
    "licence",
    "notice",
    "source",
    "accept_versions",
    "note",
)
HEADER = frozenset(HEADER_ORDER)
#: Files in the catalogue folder that are not catalogues.
NOT_CATALOGUES = frozenset({"rollups.yaml", "judgement-only.yaml"})


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    title: dict[str, str] | None
    data: dict[str, Any]

    def text(self, lang: str = "en") -> str:
        if not self.title:
            return ""
        return self.title.get(lang) or self.title.get("en") or ""


@dataclass
class Catalogue:
    id: str
    version: str
    title: dict[str, str]
    header: dict[str, Any]
    items: dict[str, Item]
    path: Path
    accept_versions: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def accepts(self, version: str) -> bool:
        """Whether a citation at ``version`` refers to this catalogue."""
        return version == self.version or version in self.accept_versions

    def of_type(self, *types: str) -> list[Item]:
        return [item for item in self.items.values() if item.type in types]

    def measures_of(self, requirement: str) -> list[str]:
        """Measures that link to a requirement (upstream only stores measure -> requirement)."""
        return [
            item.id
            for item in self.items.values()
            if item.type == "measure" and requirement in item.data.get("requirements", [])
        ]

    def to_data(self) -> dict[str, Any]:
        """The file content (header and sections), as written by the importer."""
        data: dict[str, Any] = dict(self.header)
        for section, kind in SECTIONS.items():
            items = [i for i in self.items.values() if i.type == kind]
            if items:
                data[section] = [{"id": i.id, "title": i.title, **i.data} for i in items]
        return data


def _fail(doc: Document, pointer: str, message: str) -> InputError:
    return InputError("CATALOGUE_INVALID", message, doc.where(pointer))


def _text(doc: Document, pointer: str, value: Any, *, nullable: bool) -> dict[str, str] | None:
    if value is None and nullable:
        return None
    if (
        not isinstance(value, dict)
        or set(value) != {"nl", "en"}
        or not all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        raise _fail(doc, pointer, "a title needs non-empty 'nl' and 'en' texts")
    return {"nl": value["nl"], "en": value["en"]}


def parse_catalogue(doc: Document, path: Path) -> Catalogue:
    """Check one parsed catalogue file and build the Catalogue."""
    data = doc.value
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(doc, "", f"not a catalogue (format must be {FORMAT!r})")
    unknown = set(data) - HEADER - set(SECTIONS)
    if unknown:
        raise _fail(doc, "", f"unknown top-level keys: {', '.join(sorted(unknown))}")
    for key in ("catalogue", "version"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise _fail(doc, f"/{key}", f"'{key}' must be a non-empty string")
    title = _text(doc, "/title", data.get("title"), nullable=False)
    assert title is not None
    accept = data.get("accept_versions") or []
    if not isinstance(accept, list) or not all(isinstance(v, str) for v in accept):
        raise _fail(doc, "/accept_versions", "'accept_versions' must be a list of strings")
    items: dict[str, Item] = {}
    for section, kind in SECTIONS.items():
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise _fail(doc, f"/{section}", f"'{section}' must be a list")
        imported, ours = FIELDS[kind]
        for index, entry in enumerate(entries):
            pointer = f"/{section}/{index}"
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise _fail(doc, pointer, "an item needs a string 'id'")
            extra = set(entry) - imported - ours - {"id"}
            if extra:
                names = ", ".join(sorted(extra))
                raise _fail(doc, pointer, f"unknown fields for a {kind}: {names}")
            ident = entry["id"]
            if ident in items:
                raise _fail(doc, f"{pointer}/id", f"duplicate id {ident!r}")
            for name, value in entry.items():
                if name in ("requirements", "adr", "ark", "legal", "lifecycle", "topics") and not (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    raise _fail(doc, f"{pointer}/{name}", f"'{name}' must be a list of strings")
            items[ident] = Item(
                id=ident,
                type=kind,
                title=_text(doc, f"{pointer}/title", entry.get("title"), nullable=True),
                data={k: v for k, v in entry.items() if k not in ("id", "title")},
            )
    header = {k: v for k, v in data.items() if k in HEADER}
    return Catalogue(
        id=data["catalogue"],
        version=data["version"],
        title=title,
        header=header,
        items=items,
        path=path,
        accept_versions=frozenset(accept),
    )


def load_catalogue(path: Path) -> Catalogue:
    return parse_catalogue(load_structured(path), path)


def catalogue_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_CATALOGUES and p.is_file())


CACHE_FORMAT = "catalogue-cache/4"


def _contents(folder: Path) -> tuple[tuple[str, bytes], ...]:
    return tuple((p.name, p.read_bytes()) for p in catalogue_files(folder))


def _cached_values(folder: Path, contents: tuple[tuple[str, bytes], ...]) -> list[tuple[Path, Any]]:
    """Parsed file values, from the JSON cache keyed by the files' names and sha256.

    The strict YAML loader takes about 80 ms for the shipped catalogues; ``json.loads`` of
    the same values a few ms. The cache holds values that already passed ``parse_catalogue``.
    """
    from .. import cache

    parts: list[str | bytes] = []
    for name, data in contents:
        parts += [name, hashlib.sha256(data).digest()]
    key = cache.make_key(CACHE_FORMAT, parts)
    cached = cache.read("catalogues", CACHE_FORMAT, key)
    names = [name for name, _ in contents]
    if (
        isinstance(cached, list)
        and [row[0] for row in cached if isinstance(row, list) and len(row) == 2] == names
    ):
        return [(folder / name, value) for name, value in cached]
    values: list[tuple[Path, Any]] = []
    for name, data in contents:
        path = folder / name
        document = loads_yaml(data, str(path))
        parse_catalogue(document, path)  # raise on an invalid file before caching it
        values.append((path, document.value))
    cache.write("catalogues", CACHE_FORMAT, key, [[path.name, value] for path, value in values])
    return values


@lru_cache(maxsize=8)
def _load_all(folder: str, contents: tuple[tuple[str, bytes], ...]) -> dict[str, Catalogue]:
    """Keyed by the files' bytes, so an edited catalogue is read afresh in one process too."""
    catalogues: dict[str, Catalogue] = {}
    for path, value in _cached_values(Path(folder), contents):
        catalogue = parse_catalogue(Document(value=value, source=str(path)), path)
        name = path.name
        if catalogue.key in catalogues:
            raise InputError(
                "CATALOGUE_INVALID",
                f"catalogue {catalogue.key} is defined twice",
                str(Path(folder) / name),
            )
        catalogues[catalogue.key] = catalogue
    return dict(sorted(catalogues.items(), key=lambda kv: natural_key(kv[0])))


def catalogues_dir() -> Path:
    return norms_dir() / "catalogues"


def load_catalogues(folder: Path | None = None) -> dict[str, Catalogue]:
    """Every catalogue in ``folder`` (default: the shipped library), keyed ``id@version``."""
    folder = folder or catalogues_dir()
    if not folder.is_dir():
        raise InputError("CATALOGUE_DIR", "catalogue folder not found", str(folder))
    return _load_all(str(folder.resolve()), _contents(folder))


#: Display order of the catalogues (others follow by id).
DISPLAY_ORDER = ("algoritmekader", "adr-onderzoekskader", "ark-toetsingskader", "law")


def display_key(catalogue: Catalogue) -> tuple[int, tuple[object, ...], tuple[object, ...]]:
    rank = DISPLAY_ORDER.index(catalogue.id) if catalogue.id in DISPLAY_ORDER else 99
    return rank, natural_key(catalogue.id), natural_key(catalogue.version)


def find(catalogues: dict[str, Catalogue], catalogue: str, version: str) -> Catalogue | None:
    """The catalogue a versioned citation refers to."""
    exact = catalogues.get(f"{catalogue}@{version}")
    if exact is not None:
        return exact
    for candidate in catalogues.values():
        if candidate.id == catalogue and candidate.accepts(version):
            return candidate
    return None


def select(catalogues: dict[str, Catalogue], spec: str) -> list[Catalogue]:
    """Catalogues matching ``id`` or ``id@version`` (for ``--catalogue``)."""
    name, _, version = spec.partition("@")
    chosen = [
        c for c in catalogues.values() if c.id == name and (not version or c.accepts(version))
    ]
    if not chosen:
        known = ", ".join(catalogues)
        raise InputError("CATALOGUE_UNKNOWN", f"no catalogue {spec!r} (known: {known})")
    return chosen
