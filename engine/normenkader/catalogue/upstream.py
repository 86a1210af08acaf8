"""Read upstream Algoritmekader data into the id/link part of our catalogues.

Two upstream forms are understood:

* ``algoritmekader``: the Algoritmekader repository's requirement and measure pages
  (``vereisten/*.md``, ``maatregelen/*.md``; Markdown with YAML front matter), optionally
  with ``relatie-ak-tot-toetsingskaders.csv`` (the ADR/ARK id list) and ``SOURCE.txt``;
  the repository layout ``docs/voldoen-aan-wetten-en-regels/{vereisten,maatregelen}`` works
  too.
* ``task-registry``: MinBZK task-registry ``requirements/*.yaml`` and ``measures/*.yaml``
  (no ADR/ARK sources, no legal articles, another AI-Act vocabulary: those fields are then
  reported as not known rather than as changed).

Only ids, links, tags and a fingerprint of each upstream title are taken over. Upstream
sentences (titles, explanations, the ADR/ARK control texts) are never stored: the
fingerprint is a short hash, used to notice that an id now names something else (measure
ids were renumbered between releases).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlio import loads_yaml
from .legal import law_ids_of_page

AK = "algoritmekader"
ADR = "adr-onderzoekskader"
ARK = "ark-toetsingskader"
LAW = "law"

REQ_PREFIX = "urn:nl:ak:ver:"
MTR_PREFIX = "urn:nl:ak:mtr:"

#: Upstream AI-Act front-matter keys -> our keys.
AI_ACT_KEYS = {
    "soort-toepassing": "type",
    "risicogroep": "risk_group",
    "rol-ai-act": "role",
    "transparantieverplichting": "transparency",
    "systeemrisico": "systemic_risk",
    "open-source": "open_source",
    "uitzondering": "exception",
}
ADR_THEMES = {"SV": "SV", "PRI": "PRI", "DM": "DM", "IB": "IB"}
ADR_ID = re.compile(r"^(SV|PRI|DM|IB)\.([1-9][0-9]?)$")
ARK_ID = re.compile(r"^([1-4])\.([0-9]{2})$")
MAX_FILE_BYTES = 2_000_000


@dataclass
class Snapshot:
    """The id/link part of the catalogues as read from one upstream folder.

    ``catalogues`` maps catalogue id -> section name -> item id -> imported fields. A field
    whose value is ``None`` is not known in this upstream form and is not compared.
    """

    form: str
    folder: Path
    version: str | None
    commit: str | None
    catalogues: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def fingerprint(title: str) -> str:
    """A short hash of an upstream title: detects that an id changed meaning."""
    normal = " ".join(title.split()).casefold()
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def ark_id(value: Any) -> str:
    """ARK item ids look like numbers in YAML (``2.10`` parses as 2.1): restore ``N.NN``."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value).strip()
    return text


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> list[str]:
    return [str(v) for v in _as_list(value)]


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError("IMPORT_FILE_TOO_LARGE", "upstream file is too large", str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("BAD_UTF8", "not valid UTF-8", str(path)) from None


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a Markdown page; strict YAML."""
    text = _read_text(path)
    if not text.startswith("---"):
        raise InputError("IMPORT_NO_FRONT_MATTER", "page has no YAML front matter", str(path))
    end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise InputError("IMPORT_NO_FRONT_MATTER", "front matter is not closed", str(path))
    block = _keep_keys(text[3 : 3 + end.start()])
    body = text[3 + end.end() :]
    value = loads_yaml(block, str(path)).value
    if not isinstance(value, dict):
        raise InputError("IMPORT_NO_FRONT_MATTER", "front matter is not a mapping", str(path))
    return value, body


#: Front-matter keys we read. Other top-level keys (``hide``, ``rollen``, ...) are dropped
#: before parsing: upstream pages sometimes repeat them, which the strict loader rejects.
USED_KEYS = frozenset(
    {"id", "title", "levenscyclus", "onderwerp", "vereiste", "sources", *AI_ACT_KEYS}
)
_TOP_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:")


def _keep_keys(block: str) -> str:
    """Only the lines of the top-level keys in USED_KEYS (line numbers kept: blanks)."""
    out: list[str] = []
    keep = True
    for line in block.split("\n"):
        match = _TOP_KEY.match(line)
        if match:
            keep = match.group(1) in USED_KEYS
        out.append(line if keep else "")
    return "\n".join(out)


def _source_txt(folder: Path) -> tuple[str | None, str | None]:
    """(version tag, commit) from a SOURCE.txt written when the snapshot was taken."""
    path = folder / "SOURCE.txt"
    if not path.is_file():
        return None, None
    text = _read_text(path)
    tag = re.search(r"\btag\s+(v\d+(?:\.\d+)*)", text)
    commit = re.search(r"\b([0-9a-f]{40})\b", text)
    return (tag.group(1) if tag else None), (commit.group(1) if commit else None)


# ---------------------------------------------------------------------------- detection


def _ak_dirs(folder: Path) -> tuple[Path, Path] | None:
    for base in (folder, folder / "docs" / "voldoen-aan-wetten-en-regels"):
        if (base / "vereisten").is_dir() and (base / "maatregelen").is_dir():
            return base / "vereisten", base / "maatregelen"
    return None


def _tr_dirs(folder: Path) -> tuple[Path, Path] | None:
    if (folder / "requirements").is_dir() and (folder / "measures").is_dir():
        return folder / "requirements", folder / "measures"
    return None


def locate(folder: Path, form: str = "auto", version: str | None = None) -> tuple[str, Path]:
    """Find the upstream folder (``folder`` itself or a direct subfolder) and its form.

    With ``auto`` the Algoritmekader pages win over the task-registry (they carry the
    ADR/ARK links); several Algoritmekader snapshots are told apart by ``version``.
    """
    if not folder.is_dir():
        raise InputError("IMPORT_SOURCE", "not a folder", str(folder))
    candidates = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
    found: dict[str, list[Path]] = {AK: [], "task-registry": []}
    for candidate in candidates:
        if _ak_dirs(candidate):
            found[AK].append(candidate)
        if _tr_dirs(candidate):
            found["task-registry"].append(candidate)
    order = [AK, "task-registry"] if form == "auto" else [form]
    for kind in order:
        if kind not in found:
            raise InputError("IMPORT_FORM", f"unknown upstream form {kind!r}", str(folder))
        options = found[kind]
        if version and len(options) > 1:
            options = [p for p in options if _source_txt(p)[0] == version] or options
        if len(options) == 1:
            return kind, options[0]
        if len(options) > 1:
            names = ", ".join(str(p) for p in options)
            raise InputError(
                "IMPORT_AMBIGUOUS",
                f"several {kind} snapshots found ({names}); pick one",
                str(folder),
            )
    raise InputError(
        "IMPORT_SOURCE",
        "no Algoritmekader pages (vereisten/, maatregelen/) or task-registry YAML "
        "(requirements/, measures/) found here or in a direct subfolder",
        str(folder),
    )


def read_snapshot(folder: Path, form: str = "auto", version: str | None = None) -> Snapshot:
    """Read the upstream folder into a Snapshot (ids, links, tags, fingerprints)."""
    kind, where = locate(folder, form, version)
    tag, commit = _source_txt(where)
    snapshot = Snapshot(form=kind, folder=where, version=version or tag, commit=commit)
    if kind == AK:
        _read_algoritmekader(where, snapshot)
    else:
        _read_task_registry(where, snapshot)
    return snapshot


# ---------------------------------------------------------------------------- Algoritmekader


def _ai_act(meta: dict[str, Any]) -> dict[str, list[str]] | None:
    tags = {ours: _strings(meta[key]) for key, ours in AI_ACT_KEYS.items() if key in meta}
    return dict(sorted(tags.items())) or None


def _pages(
    folder: Path, prefix: str, what: str, snapshot: Snapshot
) -> Iterator[tuple[Path, dict[str, Any], str, str]]:
    """Pages of one folder with a valid, first-seen id; skipped pages become warnings."""
    seen: set[str] = set()
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        meta, body = front_matter(path)
        ident = str(meta.get("id", ""))
        if not ident.startswith(prefix):
            snapshot.warnings.append(f"{path.name}: no {what} id; skipped")
            continue
        if ident in seen:
            snapshot.warnings.append(f"{path.name}: duplicate id {ident}; later page ignored")
            continue
        seen.add(ident)
        yield path, meta, body, ident


def _read_algoritmekader(folder: Path, snapshot: Snapshot) -> None:
    dirs = _ak_dirs(folder)
    assert dirs is not None
    req_dir, mtr_dir = dirs
    requirements: dict[str, dict[str, Any]] = {}
    by_stem: dict[str, str] = {}
    articles: dict[str, dict[str, Any]] = {}
    for path, meta, body, ident in _pages(req_dir, REQ_PREFIX, "requirement", snapshot):
        by_stem[path.stem] = ident
        legal = law_ids_of_page(body)
        for article in legal:
            articles[article] = {"instrument": _instrument_of(article)}
        requirements[ident] = {
            "fingerprint": fingerprint(str(meta.get("title", ""))),
            "lifecycle": _strings(meta.get("levenscyclus")),
            "topics": _strings(meta.get("onderwerp")),
            "ai_act": _ai_act(meta),
            "legal": legal,
        }
    measures: dict[str, dict[str, Any]] = {}
    adr_seen: dict[str, None] = {}
    ark_seen: dict[str, None] = {}
    for path, meta, _, ident in _pages(mtr_dir, MTR_PREFIX, "measure", snapshot):
        links: list[str] = []
        for stem in _strings(meta.get("vereiste")):
            target = by_stem.get(stem) or _req_from_stem(stem, requirements)
            if target is None:
                snapshot.warnings.append(f"{path.name}: unknown requirement {stem!r}")
            elif target not in links:
                links.append(target)
        sources = meta.get("sources") or {}
        if not isinstance(sources, dict):
            sources = {}
        adr = [str(v).strip() for v in _as_list(sources.get("ADR"))]
        ark = [ark_id(v) for v in _as_list(sources.get("ARK"))]
        for value in adr:
            if not ADR_ID.match(value):
                snapshot.warnings.append(f"{path.name}: odd ADR id {value!r}")
            adr_seen.setdefault(value, None)
        for value in ark:
            if not ARK_ID.match(value):
                snapshot.warnings.append(f"{path.name}: odd ARK id {value!r}")
            ark_seen.setdefault(value, None)
        measures[ident] = {
            "fingerprint": fingerprint(str(meta.get("title", ""))),
            "lifecycle": _strings(meta.get("levenscyclus")),
            "topics": _strings(meta.get("onderwerp")),
            "requirements": sorted(links, key=natural_key),
            "adr": sorted(dict.fromkeys(adr), key=natural_key),
            "ark": sorted(dict.fromkeys(ark), key=natural_key),
        }
    snapshot.catalogues[AK] = {
        "requirements": dict(sorted(requirements.items(), key=lambda kv: natural_key(kv[0]))),
        "measures": dict(sorted(measures.items(), key=lambda kv: natural_key(kv[0]))),
    }
    # The ADR/ARK id lists: the crosswalk table lists every control, also those no measure
    # cites; without it, fall back to the ids the measures cite.
    adr_ids, ark_ids = _crosswalk(folder, measures, snapshot)
    if not adr_ids:
        adr_ids, ark_ids = list(adr_seen), list(ark_seen)
    snapshot.catalogues[ADR] = {
        "controls": {
            i: {"theme": i.split(".")[0]} for i in sorted(dict.fromkeys(adr_ids), key=natural_key)
        }
    }
    snapshot.catalogues[ARK] = {
        "items": {
            i: {"perspective": int(i.split(".")[0])}
            for i in sorted(dict.fromkeys(ark_ids), key=natural_key)
        }
    }
    snapshot.catalogues[LAW] = {
        "articles": dict(sorted(articles.items(), key=lambda kv: natural_key(kv[0])))
    }


def _req_from_stem(stem: str, requirements: dict[str, dict[str, Any]]) -> str | None:
    match = re.match(r"^([a-z]{3}-[0-9]{2})", stem)
    if match and REQ_PREFIX + match.group(1) in requirements:
        return REQ_PREFIX + match.group(1)
    return None


def _crosswalk(
    folder: Path, measures: dict[str, dict[str, Any]], snapshot: Snapshot
) -> tuple[list[str], list[str]]:
    """ADR and ARK ids from relatie-ak-tot-toetsingskaders.csv, cross-checked with pages."""
    path = folder / "relatie-ak-tot-toetsingskaders.csv"
    if not path.is_file():
        return [], []
    rows = list(csv.DictReader(io.StringIO(_read_text(path))))
    adr: list[str] = []
    ark: list[str] = []
    for row in rows:
        ident = (row.get("nummer") or "").strip()
        source = (row.get("bron") or "").strip().upper()
        if source == "ADR":
            adr.append(ident)
            field_name = "adr"
        elif source == "ARK":
            ident = ark_id(ident)
            ark.append(ident)
            field_name = "ark"
        else:
            snapshot.warnings.append(f"{path.name}: row {ident!r} has unknown source {source!r}")
            continue
        cited = {m for m, v in row.items() if m and m.startswith(MTR_PREFIX) and v == "1"}
        pages = {m for m, data in measures.items() if ident in data[field_name]}
        for extra in sorted(cited - pages):
            snapshot.warnings.append(
                f"{path.name}: {ident} lists {extra} but that page does not cite it"
            )
        for extra in sorted(pages - cited):
            snapshot.warnings.append(
                f"{path.name}: page {extra} cites {ident} but the table does not list it"
            )
    return adr, ark


def _instrument_of(article: str) -> str:
    for marker in (" art. ", " annex ", " recital ", " afd. "):
        if marker in article:
            return article.split(marker)[0]
    parts = article.split(" ")
    return " ".join(parts[:-1]) if len(parts) > 1 and re.match(r"^\d", parts[-1]) else article


# ---------------------------------------------------------------------------- task-registry


def _tr_items(
    folder: Path, prefix: str, what: str, snapshot: Snapshot
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(urn, data) of each task-registry file in ``folder``, first file per urn; the rest
    becomes a warning."""
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        data = loads_yaml(_read_text(path), str(path)).value
        if not isinstance(data, dict) or not str(data.get("urn", "")).startswith(prefix):
            snapshot.warnings.append(f"{path.name}: no {what} urn; skipped")
            continue
        ident = str(data["urn"])
        if ident in seen:
            snapshot.warnings.append(f"{path.name}: duplicate urn {ident}; later file ignored")
            continue
        seen.add(ident)
        yield ident, data


def _read_task_registry(folder: Path, snapshot: Snapshot) -> None:
    dirs = _tr_dirs(folder)
    assert dirs is not None
    req_dir, mtr_dir = dirs
    requirements: dict[str, dict[str, Any]] = {}
    reverse: dict[str, set[str]] = {}
    for ident, data in _tr_items(req_dir, REQ_PREFIX, "requirement", snapshot):
        requirements[ident] = {
            "fingerprint": fingerprint(str(data.get("name", ""))),
            "lifecycle": _strings(data.get("lifecycle")),
            "topics": _strings(data.get("subject")),
            "ai_act": None,  # another vocabulary: not compared
            "legal": None,  # not in the task-registry
        }
        reverse[ident] = set(_strings(data.get("links")))
    measures: dict[str, dict[str, Any]] = {}
    for ident, data in _tr_items(mtr_dir, MTR_PREFIX, "measure", snapshot):
        links = [u for u in _strings(data.get("links")) if u.startswith(REQ_PREFIX)]
        measures[ident] = {
            "fingerprint": fingerprint(str(data.get("name", ""))),
            "lifecycle": _strings(data.get("lifecycle")),
            "topics": _strings(data.get("subject")),
            "requirements": sorted(dict.fromkeys(links), key=natural_key),
            "adr": None,
            "ark": None,
        }
    for req, linked in sorted(reverse.items()):
        for measure in sorted(linked):
            if measure in measures and req not in measures[measure]["requirements"]:
                snapshot.warnings.append(
                    f"{req} lists {measure}, but that measure does not link back"
                )
    snapshot.catalogues[AK] = {
        "requirements": dict(sorted(requirements.items(), key=lambda kv: natural_key(kv[0]))),
        "measures": dict(sorted(measures.items(), key=lambda kv: natural_key(kv[0]))),
    }


@lru_cache(maxsize=4096)
def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts SV.2 before SV.10 and aia-2 before aia-10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", str(text))
        if part
    )
