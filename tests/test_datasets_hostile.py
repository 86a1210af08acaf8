"""Hostile decision datasets: a clear rejection, never a crash or a hang."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from normenkader.datasets.duck import ScanLimits, compute_counts
from normenkader.datasets.spec import dataset_spec
from normenkader.errors import InputError

SPEC = {"columns": {"group": "g", "selected": "s"}}


def _counts(path: Path, entry: dict | None = None, limits: ScanLimits | None = None):  # type: ignore[no-untyped-def]
    return compute_counts(path, dataset_spec(entry or SPEC, path.name), limits)


def test_over_long_line_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s\nA,1\nB," + "x" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_UNREADABLE"
    assert len(err.value.line()) < 400  # the hostile line is not echoed


def test_over_long_header_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g," + "s" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_LINE_TOO_LONG"


def test_wrong_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes("g,s\nT\u00fcrkiye,1\nNL,0\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_UNREADABLE"
    assert "utf-8" in err.value.message
    latin = {**SPEC, "dataset": {"encoding": "latin-1"}}
    table = _counts(path, latin)
    assert ("T\u00fcrkiye",) in table.cells


def test_unsupported_encoding_is_refused() -> None:
    with pytest.raises(InputError) as err:
        dataset_spec({**SPEC, "dataset": {"encoding": "cp1252"}})
    assert err.value.code == "DATASET_ENCODING"


def test_sql_breaking_column_names_are_only_identifiers(tmp_path: Path) -> None:
    evil = 'g"); DROP TABLE x; --'
    other = "s`; SELECT 1; --"
    path = tmp_path / "d.csv"
    path.write_text(
        f'"{evil.replace(chr(34), chr(34) * 2)}",{other}\nA,1\nA,0\nB,1\n', encoding="utf-8"
    )
    table = _counts(path, {"columns": {"group": evil, "selected": other}})
    assert {k: (c.n, c.sel) for k, c in table.cells.items()} == {("A",): (2, 1), ("B",): (1, 1)}


def test_declared_column_missing(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path, {"columns": {"group": "nationality", "selected": "s"}})
    assert err.value.code == "DATASET_COLUMN_MISSING"
    assert "'nationality'" in err.value.message


def test_control_characters_in_a_column_name_are_refused() -> None:
    with pytest.raises(InputError) as err:
        dataset_spec({"columns": {"group": "g\x00", "selected": "s"}})
    assert err.value.code == "DATASET_COLUMN_INVALID"


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,g,s\nA,B,1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_HEADER"


def test_ragged_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s\nA,1\nB,0,extra,fields\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_UNREADABLE"


def test_a_group_column_with_an_identifier_per_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s\n" + "".join(f"p{i},1\n" for i in range(100_001)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_TOO_MANY_GROUPS"


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"g,s\nA,1\n" * 10)
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_UNREADABLE"


def test_parquet_footer_claiming_more_than_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 64 + struct.pack("<I", 900_000_000) + b"PAR1")
    with pytest.raises(InputError) as err:
        _counts(path)
    assert err.value.code == "DATASET_TOO_COMPLEX"


def test_parquet_with_many_tiny_row_groups_is_refused_before_scanning(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"g": ["A", "B"] * 3000, "s": [1, 0] * 3000}), path, row_group_size=1)
    with pytest.raises(InputError) as err:
        _counts(path, limits=ScanLimits(max_row_groups=1000))
    assert err.value.code == "DATASET_TOO_COMPLEX"
    assert "6000 row groups" in err.value.message
    # the footer alone of a file with millions of row groups exceeds the footer limit
    with pytest.raises(InputError) as err:
        _counts(path, limits=ScanLimits(max_footer_bytes=100_000))
    assert err.value.code == "DATASET_TOO_COMPLEX"


def test_parquet_and_csv_give_the_same_counts(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    groups = ["NL", "TR", "MA"] * 100
    sel = [i % 3 == 0 or i % 7 == 0 for i in range(300)]
    outcome = [None if not s else i % 2 == 0 for i, s in enumerate(sel)]
    pq.write_table(pa.table({"g": groups, "s": sel, "y": outcome}), tmp_path / "d.parquet")
    lines = ["g,s,y"] + [
        f"{g},{'true' if s else 'false'},{'' if y is None else int(y)}"
        for g, s, y in zip(groups, sel, outcome, strict=True)
    ]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = {"columns": {"group": "g", "selected": "s", "outcome": "y"}}
    a = compute_counts(tmp_path / "d.parquet", dataset_spec(entry, "d.parquet"))
    b = compute_counts(tmp_path / "d.csv", dataset_spec(entry, "d.csv"))
    assert a.to_dict() == b.to_dict()
    assert a.selective_labels


def test_unreadable_selection_values_are_counted_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s\nA,1\nA,maybe\nB,ja\nB,nee\nB,\n", encoding="utf-8")
    table = _counts(path)
    assert table.invalid == {"bad_selected": 1, "missing_selected": 1}
    assert table.cells[("B",)].sel == 1


def test_negative_weights_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("g,s,w\nA,1,1\nA,0,-2\nB,1,nan\n", encoding="utf-8")
    table = _counts(path, {"columns": {"group": "g", "selected": "s", "weight": "w"}})
    assert table.invalid == {"bad_weight": 2}


def test_the_sandbox_reads_only_the_staged_file(tmp_path: Path) -> None:
    import duckdb

    from normenkader.datasets.duck import connection

    path = tmp_path / "d.csv"
    path.write_text("g,s\nA,1\n", encoding="utf-8")
    with connection(path, ScanLimits()) as con:
        assert con.execute("SELECT count(*) FROM read_csv(?)", [str(path)]).fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
