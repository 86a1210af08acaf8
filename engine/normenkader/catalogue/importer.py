"""Compare an upstream snapshot with the committed catalogues, and write the id/link part.

``compare`` reports what a new upstream release changes: ids added or removed, links
(measure -> requirement, measure -> ADR/ARK, requirement -> law article), tags, and ids
whose upstream title fingerprint changed (the id now names something else, or was
reworded: our title needs a look). ``merge`` builds the new catalogue files from the
snapshot while keeping our own titles and notes; a measure whose fingerprint changed loses
its title (set to null) so a renumbered id never carries the old meaning's title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..atomic import write_atomic
from ..errors import InputError
from .model import FIELDS, FORMAT, HEADER_ORDER, SECTIONS, Catalogue, Item, parse_catalogue
from .upstream import AK, Snapshot, natural_key

#: Defaults for catalogues that do not exist yet (a first import into an empty folder).
NEW_HEADERS: dict[str, dict[str, Any]] = {
    AK: {
        "title": {"nl": "Algoritmekader", "en": "Algorithm framework (Algoritmekader)"},
        "licence": "EUPL-1.2",
    },
}
SECTION_OF = {kind: section for section, kind in SECTIONS.items()}


@dataclass
class CatalogueChanges:
    catalogue: str
    version: str
    compared_with: str | None  # committed catalogue key, or None when there is none
    added: dict[str, list[str]] = field(default_factory=dict)  # section -> ids
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: list[dict[str, Any]] = field(default_factory=list)  # id, field, added, removed
    meaning_changed: list[str] = field(default_factory=list)  # fingerprint differs
    untitled: list[str] = field(default_factory=list)  # no title of ours (after merge)

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed or self.meaning_changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalogue": self.catalogue,
            "version": self.version,
            "compared_with": self.compared_with,
            "identical": self.identical,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "meaning_changed": self.meaning_changed,
            "untitled": self.untitled,
        }


@dataclass
class ImportReport:
    form: str
    source: str
    version: str | None
    commit: str | None
    catalogues: list[CatalogueChanges]
    warnings: list[str]
    written: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return all(c.identical for c in self.catalogues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "source": self.source,
            "version": self.version,
            "commit": self.commit,
            "identical": self.identical,
            "catalogues": [c.to_dict() for c in self.catalogues],
            "warnings": self.warnings,
            "written": self.written,
        }


def _target(
    snapshot: Snapshot, name: str, committed: dict[str, Catalogue]
) -> tuple[Catalogue | None, str]:
    """The committed catalogue to compare with, and the version the import represents."""
    same = [c for c in committed.values() if c.id == name]
    if name == AK:
        version = snapshot.version or "unknown"
        exact = [c for c in same if c.version == version]
        if exact:
            return exact[0], version
        latest = max(same, key=lambda c: natural_key(c.version), default=None)
        return latest, version
    # ADR, ARK and law catalogues have their own versions; take the one derived from this
    # Algoritmekader release when recorded, else the newest.
    for candidate in same:
        if (candidate.header.get("source") or {}).get("via") == f"{AK} {snapshot.version}":
            return candidate, candidate.version
    latest = max(same, key=lambda c: natural_key(c.version), default=None)
    return latest, (latest.version if latest else "unknown")


def _list_change(ident: str, name: str, old: Any, new: Any) -> dict[str, Any] | None:
    if old == new:
        return None
    change: dict[str, Any] = {"id": ident, "field": name}
    if isinstance(old, list) and isinstance(new, list):
        change["added"] = [v for v in new if v not in old]
        change["removed"] = [v for v in old if v not in new]
        if not change["added"] and not change["removed"]:
            change["reordered"] = True
    else:
        change["old"] = old
        change["new"] = new
    return change


def compare(snapshot: Snapshot, committed: dict[str, Catalogue]) -> ImportReport:
    """What the snapshot changes with respect to the committed catalogues."""
    results: list[CatalogueChanges] = []
    for name, sections in snapshot.catalogues.items():
        target, version = _target(snapshot, name, committed)
        changes = CatalogueChanges(name, version, target.key if target else None)
        old_items = target.items if target else {}
        for section, entries in sections.items():
            kind = SECTIONS[section]
            old_ids = [i for i, item in old_items.items() if item.type == kind]
            added = [i for i in entries if i not in old_items]
            removed = [i for i in old_ids if i not in entries]
            if added:
                changes.added[section] = added
            if removed:
                changes.removed[section] = removed
            for ident, fields in entries.items():
                old = old_items.get(ident)
                if old is None:
                    continue
                for key, value in fields.items():
                    if value is None:
                        continue  # not known in this upstream form
                    if key == "fingerprint":
                        if old.data.get("fingerprint") not in (None, value):
                            changes.meaning_changed.append(ident)
                        continue
                    default: Any = [] if isinstance(value, list) else None
                    change = _list_change(ident, key, old.data.get(key, default), value)
                    if change:
                        changes.changed.append(change)
        changes.untitled = [
            i
            for section in sections.values()
            for i in section
            if not (old_items.get(i) and old_items[i].title)
            or (i in changes.meaning_changed and old_items[i].type == "measure")
        ]
        results.append(changes)
    return ImportReport(
        form=snapshot.form,
        source=str(snapshot.folder),
        version=snapshot.version,
        commit=snapshot.commit,
        catalogues=results,
        warnings=list(snapshot.warnings),
    )


def merge(snapshot: Snapshot, name: str, target: Catalogue | None, version: str) -> dict[str, Any]:
    """The new file content for one catalogue: snapshot ids/links, our titles and notes."""
    header: dict[str, Any] = {"format": FORMAT, "catalogue": name, "version": version}
    if target is not None:
        header.update({k: v for k, v in target.header.items() if k not in ("format",)})
        header["version"] = version
    else:
        header.update(NEW_HEADERS.get(name, {"title": {"nl": name, "en": name}}))
    source = dict(header.get("source") or {})
    if name == AK:
        source.update({"form": snapshot.form, "tag": snapshot.version, "commit": snapshot.commit})
    elif snapshot.version:
        source["via"] = f"{AK} {snapshot.version}"  # ids taken from this Algoritmekader release
    header["source"] = {k: v for k, v in source.items() if v is not None}
    data: dict[str, Any] = {key: header[key] for key in _header_order(header)}
    old_items = target.items if target else {}
    for section, entries in snapshot.catalogues[name].items():
        kind = SECTIONS[section]
        imported, _ = FIELDS[kind]
        rows: list[dict[str, Any]] = []
        for ident, fields in entries.items():
            old: Item | None = old_items.get(ident)
            renamed = (
                old is not None
                and old.type == "measure"
                and fields.get("fingerprint") not in (None, old.data.get("fingerprint"))
            )
            row: dict[str, Any] = {"id": ident, "title": old.title if old and not renamed else None}
            for key in sorted(imported, key=_field_order):
                value = fields.get(key)
                if value is None and old is not None:
                    value = old.data.get(key)  # not known upstream in this form: keep ours
                if value is not None and value != []:
                    row[key] = value
            if old is not None and "note" in old.data:
                row["note"] = old.data["note"]
            rows.append(row)
        data[section] = rows
    return data


_ORDER = (
    "fingerprint",
    "theme",
    "perspective",
    "instrument",
    "lifecycle",
    "topics",
    "requirements",
    "adr",
    "ark",
    "legal",
    "ai_act",
)


def _field_order(name: str) -> int:
    return _ORDER.index(name) if name in _ORDER else len(_ORDER)


def _header_order(header: dict[str, Any]) -> list[str]:
    return [k for k in HEADER_ORDER if k in header]


GENERATED = (
    "# The id/link part (ids, links, tags, fingerprints) is written by\n"
    "# `normenkader import-catalogue`; titles and notes are our own words and are kept.\n"
    "# Upstream-derived ids and links: EUPL-1.2, see NOTICE.md in this folder.\n"
)


class _Dumper(yaml.SafeDumper):
    """Mappings as blocks, lists of plain values inline: one item per few lines."""


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict | list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def dump(data: dict[str, Any]) -> str:
    """Deterministic YAML for a catalogue file (mappings as blocks, short lists inline)."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return GENERATED + body


def write(
    snapshot: Snapshot, committed: dict[str, Catalogue], folder: Path, report: ImportReport
) -> list[Path]:
    """Write every catalogue of the snapshot into ``folder`` (titles kept)."""
    if not snapshot.version:
        raise InputError(
            "IMPORT_VERSION",
            "the upstream version is unknown (no SOURCE.txt tag); pass --version",
            str(snapshot.folder),
        )
    written: list[Path] = []
    for name in snapshot.catalogues:
        target, version = _target(snapshot, name, committed)
        data = merge(snapshot, name, target, version)
        if target is not None and target.version == version:
            path = (
                target.path
                if target.path.parent.resolve() == folder.resolve()
                else (folder / target.path.name)
            )
        else:
            path = folder / f"{name}-{version}.yaml"
        text = dump(data)
        from ..yamlio import loads_yaml

        parse_catalogue(loads_yaml(text, str(path)), path)  # never write what we cannot load
        write_atomic(path, text)
        written.append(path)
    report.written = [str(p) for p in written]
    return written
