"""Per-cell confusion counts: the one thing a backend computes.

A *cell* is one combination of values of all group attributes. Counts are additive, so the
counts of any grouping (one attribute, or an intersection of two) are sums over cells: the
backend groups once by all attributes together and every requested grouping is rolled up
here, in Python, over at most a few thousand cells.

Confusion counts follow the decision under test: ``selected`` is the predicted positive
(flagged), the outcome (e.g. fraud confirmed) the actual positive. ``tp/fp/tn/fn`` count
only rows whose outcome is known; ``c*`` count the same within the random control sample.
With weights every count is a sum of weights and ``w2`` the sum of squared weights, from
which intervals use Kish's effective sample size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

Key = tuple[str | None, ...]
#: Cap on distinct cells: more means a group column is not a group (e.g. a person id).
MAX_CELLS = 100_000


@dataclass
class Cell:
    n: int = 0  # rows
    w: float = 0.0  # sum of weights (= n without weights)
    w2: float = 0.0  # sum of squared weights
    sel: float = 0.0  # selected (flagged)
    tp: float = 0.0
    fp: float = 0.0
    tn: float = 0.0
    fn: float = 0.0
    labelled_unselected: int = 0  # rows not selected whose outcome is nevertheless known
    ctl_n: float = 0.0  # rows in the random control sample
    ctp: float = 0.0
    cfp: float = 0.0
    ctn: float = 0.0
    cfn: float = 0.0

    def add(self, other: Cell) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _num(getattr(self, f.name)) for f in fields(self)}


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


@dataclass
class CountTable:
    """Counts per cell for a set of group attributes, plus what was wrong with rows."""

    attributes: tuple[str, ...]
    cells: dict[Key, Cell]
    weighted: bool = False
    has_outcome: bool = False
    has_control: bool = False
    labels: str = "auto"  # declared: auto | complete | selective
    invalid: dict[str, int] = field(default_factory=dict)  # role -> rows with unreadable values
    source: str = ""  # backend that computed it

    @property
    def rows(self) -> int:
        return sum(cell.n for cell in self.cells.values())

    @property
    def selective_labels(self) -> bool:
        """Outcomes known only for selected cases (declared, or seen in the data)."""
        if not self.has_outcome or self.labels == "selective":
            return self.has_outcome
        if self.labels == "complete":
            return False
        total = Cell()
        for cell in self.cells.values():
            total.add(cell)
        unselected = total.w - total.sel
        return unselected > 0 and total.labelled_unselected == 0

    def rollup(self, attributes: tuple[str, ...]) -> dict[Key, Cell]:
        """Counts per combination of ``attributes`` (a subset of this table's attributes)."""
        index = [self.attributes.index(name) for name in attributes]
        out: dict[Key, Cell] = {}
        for key, cell in self.cells.items():
            sub = tuple(key[i] for i in index)
            out.setdefault(sub, Cell()).add(cell)
        return dict(
            sorted(out.items(), key=lambda item: tuple("" if v is None else v for v in item[0]))
        )

    def to_cache(self) -> dict[str, Any]:
        """Every field, cells in their order (sums over cells depend on it)."""
        return {
            "attributes": list(self.attributes),
            "cells": [[list(key), cell.__dict__] for key, cell in self.cells.items()],
            "weighted": self.weighted,
            "has_outcome": self.has_outcome,
            "has_control": self.has_control,
            "labels": self.labels,
            "invalid": self.invalid,
            "source": self.source,
        }

    @classmethod
    def from_cache(cls, data: Any) -> CountTable | None:
        """The table ``to_cache`` wrote, or None if ``data`` is not one."""
        try:
            return cls(
                attributes=tuple(str(a) for a in data["attributes"]),
                cells={tuple(key): Cell(**cell) for key, cell in data["cells"]},
                weighted=bool(data["weighted"]),
                has_outcome=bool(data["has_outcome"]),
                has_control=bool(data["has_control"]),
                labels=str(data["labels"]),
                invalid={str(k): int(v) for k, v in data["invalid"].items()},
                source=str(data["source"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attributes": list(self.attributes),
            "cells": [
                {"key": list(key), **cell.as_dict()}
                for key, cell in sorted(
                    self.cells.items(), key=lambda kv: tuple("" if v is None else v for v in kv[0])
                )
            ],
            "weighted": self.weighted,
            "selective_labels": self.selective_labels,
            "invalid": dict(self.invalid),
        }


TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "ja", "j"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "nee"})
BAD = -1


def flag(value: Any) -> int | None:
    """1, 0, None (missing) or BAD (-1, unreadable) from a boolean-like value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return 1 if value == 1 else 0 if value == 0 else BAD
    text = str(value).strip().lower()
    return 1 if text in TRUE_WORDS else 0 if text in FALSE_WORDS else BAD


def _key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fold_rows(
    rows: list[tuple[Any, ...]], groups: int, weighted: bool, selection_is_flag: bool
) -> tuple[dict[Key, Cell], dict[str, int]]:
    """Cells and row problems from ``sql.count_query`` rows (see there for the columns)."""
    cells: dict[Key, Cell] = {}
    invalid: dict[str, int] = {}

    def bad(name: str, count: int) -> None:
        invalid[name] = invalid.get(name, 0) + count

    for row in rows:
        key = tuple(_key(v) for v in row[:groups])
        raw_s, raw_y, raw_c, raw_n = row[groups : groups + 4]
        count = int(raw_n)
        if weighted:
            w = float(row[groups + 4] or 0.0)
            w2 = float(row[groups + 5] or 0.0)
            if row[groups + 6]:
                bad("bad_weight", int(row[groups + 6]))
        else:
            w = w2 = float(count)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell()
        cell.n += count
        cell.w += w
        cell.w2 += w2
        s = flag(raw_s) if selection_is_flag else (None if raw_s is None else int(raw_s))
        y = flag(raw_y)
        c = flag(raw_c)
        if y == BAD:
            bad("bad_outcome", count)
            y = None
        if c == BAD:
            bad("bad_control", count)
        if s is None:
            bad("missing_selected", count)
            continue
        if s == BAD:
            bad("bad_selected", count)
            continue
        if s == 1:
            cell.sel += w
        if y is not None:
            if s == 0:
                cell.labelled_unselected += count
            name = ("tp" if y == 1 else "fp") if s == 1 else ("fn" if y == 1 else "tn")
            setattr(cell, name, getattr(cell, name) + w)
        if c == 1:
            cell.ctl_n += w
            if y is not None:
                name = ("ctp" if y == 1 else "cfp") if s == 1 else ("cfn" if y == 1 else "ctn")
                setattr(cell, name, getattr(cell, name) + w)
    return cells, invalid
