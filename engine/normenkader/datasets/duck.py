"""DuckDB backend: embedded, sandboxed, bounded.

Each scan opens a private in-memory DuckDB with a memory limit, a thread limit, no
extension auto-loading, no spilling, and external access disabled except for the one
staged file being read (``allowed_paths``); the configuration is then locked. CSV is read
with explicit options (header parsed here, all columns as text, a maximum line size);
Parquet footers are checked before DuckDB parses them, so a file with millions of tiny row
groups is refused instead of ground through. A watchdog interrupts a query that runs past
the time limit.
"""

from __future__ import annotations

import csv
import io
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .counts import MAX_CELLS, CountTable, fold_rows
from .spec import COUNT_ROLES, CountsSpec, DatasetSpec
from .sql import DUCKDB, count_query, counts_file_query

Progress = Callable[[float], None]


@dataclass(frozen=True)
class ScanLimits:
    memory: str = "256MB"
    threads: int = 2
    max_line_bytes: int = 1 << 20  # one CSV line
    max_columns: int = 2_000
    max_row_groups: int = 10_000  # a 100M-row file written by DuckDB has about 800
    max_footer_bytes: int = 16 << 20
    timeout_s: float = 300.0


def _short(exc: BaseException, width: int = 240) -> str:
    """The first line of a DuckDB error, cut: it may quote a hostile megabyte-long line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    first = lines[0] if lines else "query failed"
    # DuckDB's CSV errors quote the offending line, then give the reason: keep the reason.
    skip = ("Original Line", "Possible Solution", "file=", "LINE ", "*", "^")
    reason = next((line for line in lines[1:6] if not line.startswith(skip)), "")
    text = f"{first}: {reason}" if reason and "Original Line" in str(exc)[:400] else first
    return text if len(text) <= width else text[: width - 3] + "..."


@contextmanager
def connection(path: Path, limits: ScanLimits) -> Iterator[Any]:
    """A locked-down connection that may read only ``path``."""
    import duckdb

    con = duckdb.connect(
        ":memory:",
        config={
            "threads": limits.threads,
            "memory_limit": limits.memory,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": "",
        },
    )
    try:
        con.execute("SET enable_progress_bar_print = false")  # never print below the CLI
        con.execute("SET allowed_paths = ?", [[str(path)]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


def run(
    con: Any, query: str, params: list[Any], limits: ScanLimits, progress: Progress | None = None
) -> list[tuple[Any, ...]]:
    """Execute with a watchdog: interrupt after ``timeout_s``; report progress after 1 s."""
    import duckdb

    done = threading.Event()
    timed_out = threading.Event()

    def watch() -> None:
        waited = 0.0
        while not done.wait(0.25):
            waited += 0.25
            if waited >= limits.timeout_s:
                timed_out.set()
                con.interrupt()
                return
            if progress is not None and waited >= 1.0:
                try:
                    value = float(con.query_progress())
                except (duckdb.Error, RuntimeError, ValueError):
                    continue
                if value >= 0:
                    progress(min(value, 100.0))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        rows: list[tuple[Any, ...]] = con.execute(query, params).fetchall()
        return rows
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise InputError(
                "DATASET_TIMEOUT", f"scan stopped after {limits.timeout_s:g} s"
            ) from None
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise InputError(
                "DATASET_TOO_LARGE",
                f"scan needs more than {limits.memory} of memory: {_short(exc)}",
            ) from None
        raise InputError("DATASET_UNREADABLE", _short(exc)) from None
    finally:
        done.set()
        watcher.join()


def csv_header(path: Path, encoding: str, delimiter: str, limits: ScanLimits) -> list[str]:
    """Column names from the first line, read with a bounded buffer."""
    with path.open("rb") as handle:
        head = handle.read(limits.max_line_bytes + 4)
    codec = {"utf-8": "utf-8-sig", "latin-1": "latin-1", "utf-16": "utf-16"}[encoding]
    try:
        text = head.decode(codec, errors="strict")
    except UnicodeDecodeError as exc:
        # a cut at the buffer end is fine; a bad byte before the first newline is not
        text = head[: exc.start].decode(codec, errors="strict")
        if "\n" not in text:
            raise InputError(
                "DATASET_ENCODING", f"the header line is not valid {encoding} (byte {exc.start})"
            ) from None
    end = text.find("\n")
    if end < 0:
        if len(head) > limits.max_line_bytes:
            raise InputError(
                "DATASET_LINE_TOO_LONG", f"the header line is over {limits.max_line_bytes} bytes"
            )
        end = len(text)
    line = text[:end].rstrip("\r")
    try:
        names = next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar='"'))
    except (csv.Error, StopIteration) as exc:
        raise InputError("DATASET_HEADER", f"the header line cannot be parsed: {exc}") from None
    if not names or any(not name for name in names):
        raise InputError("DATASET_HEADER", "the header has an empty column name")
    if len(set(names)) != len(names):
        raise InputError("DATASET_HEADER", "the header names a column twice")
    if len(names) > limits.max_columns:
        raise InputError("DATASET_HEADER", f"more than {limits.max_columns} columns")
    return names


def parquet_precheck(path: Path, limits: ScanLimits) -> None:
    """Refuse a Parquet file whose footer is not Parquet or is too large to parse safely."""
    size = path.stat().st_size
    if size < 12:
        raise InputError("DATASET_UNREADABLE", "not a Parquet file (too short)")
    with path.open("rb") as handle:
        magic = handle.read(4)
        handle.seek(size - 8)
        tail = handle.read(8)
    if magic != b"PAR1" or tail[4:] != b"PAR1":
        raise InputError("DATASET_UNREADABLE", "not a Parquet file (no PAR1 magic)")
    (footer,) = struct.unpack("<I", tail[:4])
    if footer > limits.max_footer_bytes or footer > size - 12:
        raise InputError(
            "DATASET_TOO_COMPLEX",
            f"Parquet footer of {footer} bytes (limit {limits.max_footer_bytes}): too many row "
            "groups or columns",
        )


def open_source(
    con: Any, path: Path, fmt: str, encoding: str, delimiter: str, limits: ScanLimits
) -> tuple[str, list[Any], dict[str, str]]:
    """FROM-clause text, its parameters, and the source's column types."""
    if fmt == "parquet":
        parquet_precheck(path, limits)
        groups = run(
            con, "SELECT num_row_groups FROM parquet_file_metadata(?)", [str(path)], limits
        )
        if groups and int(groups[0][0]) > limits.max_row_groups:
            raise InputError(
                "DATASET_TOO_COMPLEX",
                f"{groups[0][0]} row groups (limit {limits.max_row_groups}); rewrite the file "
                "with larger row groups",
            )
        source = "read_parquet(?)"
        params: list[Any] = [str(path)]
    elif fmt == "csv":
        names = csv_header(path, encoding, delimiter, limits)
        source = (
            "read_csv(?, header = true, auto_detect = false, columns = ?, delim = ?, "
            "quote = '\"', escape = '\"', encoding = ?, max_line_size = ?, strict_mode = true)"
        )
        params = [
            str(path),
            dict.fromkeys(names, "VARCHAR"),
            delimiter,
            encoding,
            limits.max_line_bytes,
        ]
    else:
        raise InputError("DATASET_FORMAT", f"DuckDB cannot read format {fmt!r}")
    described = run(con, f"DESCRIBE SELECT * FROM {source}", params, limits)
    types = {str(row[0]): str(row[1]) for row in described}
    return source, params, types


def require_columns(wanted: tuple[str, ...], types: dict[str, str]) -> None:
    missing = [name for name in wanted if name not in types]
    if missing:
        have = ", ".join(repr(n[:40]) for n in list(types)[:20])
        raise InputError(
            "DATASET_COLUMN_MISSING",
            f"declared column(s) {', '.join(repr(m[:60]) for m in missing)} not in the dataset "
            f"(it has {have}{', ...' if len(types) > 20 else ''})",
        )


#: Cap on rows of the count query: cells x distinct selection/outcome/control values.
MAX_RESULT_ROWS = 20 * MAX_CELLS


def table_from_rows(rows: list[tuple[Any, ...]], spec: DatasetSpec, source: str) -> CountTable:
    """A CountTable from ``sql.count_query`` rows (DuckDB or Spark)."""
    if len(rows) > MAX_RESULT_ROWS:
        raise InputError(
            "DATASET_TOO_MANY_GROUPS",
            "too many distinct group, selection and outcome values: is a column an identifier?",
        )
    cells, invalid = fold_rows(
        rows, len(spec.groups), spec.weight is not None, spec.selection.rule == "flag"
    )
    if len(cells) > MAX_CELLS:
        raise InputError(
            "DATASET_TOO_MANY_GROUPS",
            f"more than {MAX_CELLS} distinct group combinations: is a group column an identifier?",
        )
    return CountTable(
        spec.groups,
        cells,
        weighted=spec.weight is not None,
        has_outcome=spec.outcome is not None,
        has_control=spec.control is not None,
        labels=spec.labels,
        invalid=invalid,
        source=source,
    )


def compute_counts(
    path: Path,
    spec: DatasetSpec,
    limits: ScanLimits | None = None,
    progress: Progress | None = None,
) -> CountTable:
    """Per-cell confusion counts of a decisions dataset in one DuckDB pass."""
    limits = limits or ScanLimits()
    with connection(path, limits) as con:
        source, params, types = open_source(
            con, path, spec.format, spec.encoding, spec.delimiter, limits
        )
        require_columns(spec.columns(), types)
        query, all_params = count_query(spec, types, source, params, DUCKDB)
        rows = run(con, query, all_params, limits, progress)
    return table_from_rows(rows, spec, "duckdb")


def read_group_counts(path: Path, spec: CountsSpec, limits: ScanLimits | None = None) -> CountTable:
    """A pre-aggregated group-counts file as a CountTable."""
    from .counts import Cell

    limits = limits or ScanLimits()
    with connection(path, limits) as con:
        source, params, types = open_source(
            con, path, spec.format, spec.encoding, spec.delimiter, limits
        )
        require_columns(spec.columns(), types)
        roles = dict(spec.roles)
        for role in COUNT_ROLES:  # undeclared roles default to a column of the same name
            if role not in roles and role in types and role not in spec.groups:
                roles[role] = role
        query, all_params = counts_file_query(spec.groups, roles, types, source, params, DUCKDB)
        rows = run(con, query, all_params, limits)
    if len(rows) > MAX_CELLS:
        raise InputError("DATASET_TOO_MANY_GROUPS", f"more than {MAX_CELLS} groups")
    k = len(spec.groups)
    cells = {}
    bad: dict[str, int] = {}
    has_outcome = all(role in roles for role in ("tp", "fp", "tn", "fn"))
    for row in rows:
        key = tuple(None if v is None else str(v) for v in row[:k])
        values = {}
        for i, role in enumerate(("n", "selected", "tp", "fp", "tn", "fn")):
            values[role] = row[k + 2 * i]
            if row[k + 2 * i + 1]:
                bad[f"bad_{role}"] = bad.get(f"bad_{role}", 0) + int(row[k + 2 * i + 1])
        n = float(values["n"] or 0)
        cell = Cell(
            n=int(n),
            w=n,
            w2=n,
            sel=float(values["selected"] or 0),
            tp=float(values["tp"] or 0),
            fp=float(values["fp"] or 0),
            tn=float(values["tn"] or 0),
            fn=float(values["fn"] or 0),
        )
        if has_outcome:
            cell.labelled_unselected = int(cell.tn + cell.fn)
            if cell.tp + cell.fp + cell.tn + cell.fn > n + 1e-9:
                bad["confusion_exceeds_n"] = bad.get("confusion_exceeds_n", 0) + 1
        if cell.sel > n + 1e-9:
            bad["selected_exceeds_n"] = bad.get("selected_exceeds_n", 0) + 1
        cells[key] = cell
    return CountTable(
        spec.groups,
        cells,
        weighted=False,
        has_outcome=has_outcome,
        labels=spec.labels,
        invalid=bad,
        source="group-counts",
    )
