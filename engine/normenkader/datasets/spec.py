"""Dataset descriptions from a bundle.yaml entry: column roles and reading options.

The manifest entry of a ``decisions-dataset`` or ``group-counts`` item is validated by its
kind's JSON Schema when the bundle is opened; this module turns it into typed values and
validates every column name, which later appears in SQL only as a quoted identifier.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

FORMATS = ("csv", "parquet", "spark")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}
MAX_NAME = 128
#: Roles a group-counts file declares, each naming one column.
COUNT_ROLES = ("n", "selected", "tp", "fp", "tn", "fn")


def check_name(name: object, role: str) -> str:
    """A column name is a non-empty printable string of at most 128 characters.

    Anything else is refused before it gets near SQL; names that pass are still only ever
    used quoted (see ``sql.quote``) and must match a column of the file exactly.
    """
    if not isinstance(name, str) or not name:
        raise InputError("DATASET_COLUMN_INVALID", f"column for {role} must be a non-empty string")
    if len(name) > MAX_NAME:
        raise InputError(
            "DATASET_COLUMN_INVALID", f"column name for {role} is over {MAX_NAME} characters"
        )
    if any(not ch.isprintable() for ch in name):
        raise InputError(
            "DATASET_COLUMN_INVALID", f"column name {name[:40]!r} for {role} has control characters"
        )
    return name


@dataclass(frozen=True)
class Selection:
    """How 'selected' (the decision under test) is read from a row.

    ``flag``: a boolean column (true/false, 1/0, yes/no, ja/nee); ``score``: selected when a
    numeric column is >= ``threshold``; ``values``: selected when the column's value is one of
    ``values``. Values are compared as text and, where a value is a number (``1.0`` or
    ``"1"``), also numerically, so ``1.0`` in the manifest selects the rows that read ``1``.
    """

    column: str
    rule: str = "flag"  # flag | score | values
    threshold: float | None = None
    values: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()


@dataclass(frozen=True)
class DatasetSpec:
    """A row-level decisions dataset."""

    format: str
    groups: tuple[str, ...]
    selection: Selection
    outcome: str | None = None
    features: tuple[str, ...] = ()
    weight: str | None = None
    control: str | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    labels: str = "auto"  # auto | complete | selective
    table: str | None = None  # spark: a table name instead of the file

    def columns(self) -> tuple[str, ...]:
        """Every column the group-count scan reads (features are read by the proxy scan)."""
        names = [*self.groups, self.selection.column]
        for extra in (self.outcome, self.weight, self.control):
            if extra:
                names.append(extra)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class CountsSpec:
    """A pre-aggregated group-counts file: one row per group (cell)."""

    format: str
    groups: tuple[str, ...]
    roles: dict[str, str] = field(default_factory=dict)  # role -> column (n, selected, tp...)
    encoding: str = "utf-8"
    delimiter: str = ","
    labels: str = "auto"

    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.groups, *self.roles.values()]))


def _options(entry: dict[str, Any], path: str) -> dict[str, Any]:
    options = dict(entry.get("dataset") or {})
    fmt = options.get("format")
    if fmt is None:
        fmt = "parquet" if path.lower().endswith(".parquet") else "csv"
    if fmt not in FORMATS:
        raise InputError("DATASET_FORMAT", f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    encoding = str(options.get("encoding", "utf-8")).lower()
    if encoding not in ENCODINGS:
        raise InputError(
            "DATASET_ENCODING",
            f"encoding {encoding!r} is not supported (use utf-8, latin-1 or utf-16)",
        )
    delimiter = options.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise InputError(
            "DATASET_DELIMITER", "delimiter must be one character other than a quote or newline"
        )
    labels = options.get("labels", "auto")
    if labels not in ("auto", "complete", "selective"):
        raise InputError("DATASET_LABELS", "labels must be auto, complete or selective")
    table = options.get("table")
    if fmt == "spark":
        table = check_name(table, "dataset.table")
    return {
        "format": fmt,
        "encoding": ENCODINGS[encoding],
        "delimiter": delimiter,
        "labels": labels,
        "table": table,
    }


def _group_columns(columns: dict[str, Any]) -> tuple[str, ...]:
    raw = columns.get("group")
    names = [raw] if isinstance(raw, str) else list(raw or [])
    if not names:
        raise InputError("DATASET_COLUMN_INVALID", "columns.group names no group attribute")
    return tuple(check_name(name, "group") for name in names)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _selected_values(values: list[Any]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The text forms and the numeric forms of ``selected.values``.

    A number is written the way a CSV would hold it (``1``, not ``1.0``) and is also
    compared numerically; a boolean is refused, since ``true`` could be spelled in many
    ways in a column (a true/false column is a flag: name it without ``values``).
    """
    texts: list[str] = []
    numbers: list[float] = []
    for value in values:
        if isinstance(value, bool):
            raise InputError(
                "DATASET_COLUMN_INVALID",
                "selected.values holds true/false; name a true/false column as a flag "
                "(selected: COLUMN) instead",
            )
        if isinstance(value, int | float):
            number = float(value)
            if not math.isfinite(number):
                raise InputError("DATASET_COLUMN_INVALID", "selected.values holds a non-number")
            texts.append(str(int(number)) if number.is_integer() else repr(number))
            numbers.append(number)
        elif isinstance(value, str):
            texts.append(value)
            if _NUMBER.match(value.strip()):
                number = float(value)
                if math.isfinite(number):
                    numbers.append(number)
        else:
            raise InputError("DATASET_COLUMN_INVALID", "selected.values must be text or numbers")
    return tuple(dict.fromkeys(texts)), tuple(dict.fromkeys(numbers))


def dataset_spec(entry: dict[str, Any], path: str = "") -> DatasetSpec:
    """The ``DatasetSpec`` of a decisions-dataset manifest entry."""
    columns = entry.get("columns")
    if not isinstance(columns, dict):
        raise InputError("DATASET_COLUMN_INVALID", "the entry has no columns mapping")
    raw = columns.get("selected")
    if isinstance(raw, dict):
        column = check_name(raw.get("column"), "selected.column")
        if "threshold" in raw:
            threshold = raw["threshold"]
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise InputError("DATASET_COLUMN_INVALID", "selected.threshold must be a number")
            selection = Selection(column, "score", threshold=float(threshold))
        elif "values" in raw:
            values = raw["values"]
            if not isinstance(values, list) or not values:
                raise InputError(
                    "DATASET_COLUMN_INVALID", "selected.values must be a non-empty list"
                )
            texts, numbers = _selected_values(values)
            selection = Selection(column, "values", values=texts, numbers=numbers)
        else:
            selection = Selection(column)
    else:
        selection = Selection(check_name(raw, "selected"))
    options = _options(entry, path)

    def optional(role: str) -> str | None:
        value = columns.get(role)
        return None if value is None else check_name(value, role)

    features = tuple(check_name(name, "features") for name in columns.get("features") or [])
    return DatasetSpec(
        format=options["format"],
        groups=_group_columns(columns),
        selection=selection,
        outcome=optional("outcome"),
        features=features,
        weight=optional("weight"),
        control=optional("control"),
        encoding=options["encoding"],
        delimiter=options["delimiter"],
        labels=options["labels"],
        table=options["table"],
    )


def counts_spec(entry: dict[str, Any], path: str = "") -> CountsSpec:
    """The ``CountsSpec`` of a group-counts manifest entry."""
    columns = entry.get("columns")
    if not isinstance(columns, dict):
        raise InputError("DATASET_COLUMN_INVALID", "the entry has no columns mapping")
    roles: dict[str, str] = {}
    for role in COUNT_ROLES:
        value = columns.get(role, role if role in ("n", "selected") else None)  # tp.. found later
        if value is not None:
            roles[role] = check_name(value, role)
    options = _options(entry, path)
    if options["format"] == "spark":
        raise InputError("DATASET_FORMAT", "group counts are read from a csv or parquet file")
    return CountsSpec(
        format=options["format"],
        groups=_group_columns(columns),
        roles=roles,
        encoding=options["encoding"],
        delimiter=options["delimiter"],
        labels=options["labels"],
    )
