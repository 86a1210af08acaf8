"""From an evidence item to a CountTable, choosing the backend; cached per file digest.

Two norms (development and production metrics) often read the same dataset: the counts
are computed once per run and per (file digest, column roles).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .counts import CountTable
from .duck import ScanLimits, compute_counts, read_group_counts
from .spec import counts_spec, dataset_spec

if TYPE_CHECKING:
    from ..evidence.bundle import EvidenceItem

DATASET_KINDS = ("decisions-dataset", "group-counts")
#: Environment switch: ``spark`` runs file scans on Spark too (``format: spark`` always does).
BACKEND_ENV = "NORMENKADER_DATASET_BACKEND"
_CACHE: dict[tuple[str, str], CountTable] = {}
#: Progress callback for long scans (percent done), set by the CLI on a terminal only.
_PROGRESS: list[Callable[[float], None] | None] = [None]
_CACHE_MAX = 16


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
            _remember(key, read_group_counts(item.file, cspec, limits))
        return _CACHE[key]
    spec = dataset_spec(item.entry, item.path)
    backend = backend_for(spec.format)
    key = (item.record.sha256, repr(spec) + backend)
    if key not in _CACHE:
        if backend == "spark":
            from .spark import spark_counts

            table = spark_counts(item.file if spec.format != "spark" else None, spec)
        else:
            table = compute_counts(item.file, spec, limits, progress or _PROGRESS[0])
        _remember(key, table)
    return _CACHE[key]


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
        "bad_weight": "rows with a missing, negative or non-finite weight",
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
