"""From an evidence item to a CountTable, choosing the backend; cached per file digest.

Two norms (development and production metrics) often read the same dataset: the counts
are computed once per run and per (file digest, column roles). They are also kept in the
local cache (``cache``), keyed by the same, the scan limits and the engine fingerprint,
so a run on an unchanged dataset neither imports DuckDB nor scans the file again; so are
the contingency tables of the proxy screening.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import cache
from ..errors import InputError
from .counts import CountTable
from .duck import ScanLimits, compute_counts, read_group_counts
from .spec import DatasetSpec, counts_spec, dataset_spec

if TYPE_CHECKING:
    from ..evidence.bundle import EvidenceItem

DATASET_KINDS = ("decisions-dataset", "group-counts")
#: Environment switch: ``spark`` runs file scans on Spark too (``format: spark`` always does).
BACKEND_ENV = "NORMENKADER_DATASET_BACKEND"
_CACHE: dict[tuple[str, str], CountTable] = {}
#: Progress callback for long scans (percent done), set by the CLI on a terminal only.
_PROGRESS: list[Callable[[float], None] | None] = [None]
_CACHE_MAX = 16
CACHE_FORMAT = "dataset-cache/1"


def backend_for(fmt: str) -> str:
    if fmt == "spark":
        return "spark"
    chosen = os.environ.get(BACKEND_ENV, "duckdb").strip().lower() or "duckdb"
    if chosen not in ("duckdb", "spark"):
        raise InputError("DATASET_BACKEND", f"{BACKEND_ENV}={chosen!r}: use duckdb or spark")
    return chosen


def set_progress(callback: Callable[[float], None] | None) -> None:
    """Install (or clear) the progress callback: called after a scan has run 1 s."""
    _PROGRESS[0] = callback


def counts_for(
    item: EvidenceItem,
    limits: ScanLimits | None = None,
    progress: Callable[[float], None] | None = None,
) -> CountTable:
    """The per-cell counts of a decisions-dataset or group-counts evidence item."""
    if item.kind not in DATASET_KINDS:
        raise InputError(
            "DATASET_KIND", f"evidence {item.id} is a {item.kind}, not one of {DATASET_KINDS}"
        )
    if item.kind == "group-counts":
        cspec = counts_spec(item.entry, item.path)
        key = (item.record.sha256, repr(cspec))
        if key not in _CACHE:
            _remember(
                key, _stored(item, key, limits, lambda: read_group_counts(item.file, cspec, limits))
            )
        return _CACHE[key]
    spec = dataset_spec(item.entry, item.path)
    backend = backend_for(spec.format)
    key = (item.record.sha256, repr(spec) + backend)
    if key not in _CACHE:

        def compute() -> CountTable:
            if backend == "spark":
                from .spark import spark_counts

                return spark_counts(item.file if spec.format != "spark" else None, spec)
            return compute_counts(item.file, spec, limits, progress or _PROGRESS[0])

        # a Spark table is not a file of the bundle: its digest says nothing of its rows
        _remember(key, compute() if spec.format == "spark" else _stored(item, key, limits, compute))
    return _CACHE[key]


def _disk_key(what: str, item: EvidenceItem, parts: list[str], limits: ScanLimits | None) -> str:
    """The data file's sha256, the spec and limits; ``make_key`` adds the engine
    fingerprint (this code, the DuckDB version)."""
    limit_text = repr(limits or ScanLimits())
    return cache.make_key(CACHE_FORMAT, [what, item.record.sha256, limit_text, *parts])


def _stored(
    item: EvidenceItem,
    key: tuple[str, str],
    limits: ScanLimits | None,
    compute: Callable[[], CountTable],
) -> CountTable:
    disk = _disk_key("counts", item, [key[1]], limits)
    table = CountTable.from_cache(cache.read("dataset", CACHE_FORMAT, disk))
    if table is None:
        table = compute()
        cache.write("dataset", CACHE_FORMAT, disk, table.to_cache())
    return table


Tables = dict[tuple[str, str], dict[tuple[str, str], float]]


def tables_for(
    item: EvidenceItem,
    spec: DatasetSpec,
    features: tuple[str, ...],
    attributes: tuple[str, ...],
    bins: int,
) -> Tables:
    """Contingency tables of features against protected attributes (proxy screening)."""
    parts = [repr(spec), repr(features), repr(attributes), str(bins)]
    disk = _disk_key("proxy", item, parts, None)
    stored: Any = cache.read("dataset", CACHE_FORMAT, disk)
    try:
        return {
            (str(feature), str(attribute)): {(str(a), str(b)): float(n) for a, b, n in cells}
            for feature, attribute, cells in stored
        }
    except (TypeError, ValueError):
        pass  # not cached (None) or not a list of tables: compute
    from .proxy import contingency_tables

    tables = contingency_tables(item.file, spec, features, attributes, bins)
    value = [[f, a, [[x, y, n] for (x, y), n in cells.items()]] for (f, a), cells in tables.items()]
    cache.write("dataset", CACHE_FORMAT, disk, value)
    return tables


def _remember(key: tuple[str, str], table: CountTable) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = table


def problems(table: CountTable) -> list[str]:
    """Row-level problems that make the counts untrustworthy, as readable lines."""
    labels = {
        "bad_selected": "rows with an unreadable selection value",
        "missing_selected": "rows without a selection value",
        "bad_outcome": "rows with an unreadable outcome value",
        "bad_weight": "rows with a missing, negative, non-finite or out-of-range weight "
        "(a usable weight is 0 or lies between 1e-100 and 1e100)",
        "bad_control": "rows with an unreadable control-sample flag",
        "selected_exceeds_n": "groups with more selected than n",
        "confusion_exceeds_n": "groups whose tp+fp+tn+fn exceeds n",
    }
    out = []
    for name, count in sorted(table.invalid.items()):
        text = labels.get(name) or f"rows with an invalid {name.removeprefix('bad_')} count"
        out.append(f"{count} {text}")
    return out


def describe(item: EvidenceItem) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "path": item.path, "sha256": item.record.sha256}
