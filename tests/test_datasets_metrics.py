"""Fairness metrics against values computed by hand (or published worked examples)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from normenkader.datasets.counts import Cell, CountTable
from normenkader.datasets.duck import compute_counts, read_group_counts
from normenkader.datasets.metrics import DEFAULT_BANDS, Settings, evaluate, katz, newcombe, wilson
from normenkader.datasets.spec import counts_spec, dataset_spec

Z95 = 1.959963984540054


def test_wilson_matches_the_textbook_interval_for_3_of_10() -> None:
    # Wilson (1927) score interval; 3/10 at 95% is (0.1078, 0.6032) in every reference table.
    lo, hi = wilson(3, 10, 0.05)  # type: ignore[misc]
    assert lo == pytest.approx(0.1078, abs=1e-4)
    assert hi == pytest.approx(0.6032, abs=1e-4)


def test_wilson_of_zero_trials_is_not_an_interval() -> None:
    assert wilson(0, 0, 0.05) is None


def test_wilson_of_zero_successes_starts_at_zero() -> None:
    lo, hi = wilson(0, 20, 0.05)  # type: ignore[misc]
    assert lo == 0.0
    # by hand: z^2/(n + z^2) = 3.8415 / 23.8415
    assert hi == pytest.approx(3.8415 / 23.8415, abs=1e-4)


def test_katz_ratio_by_hand() -> None:
    # RR = (20/100)/(10/100) = 2; se(log RR) = sqrt(1/20 - 1/100 + 1/10 - 1/100) = sqrt(0.13)
    point, (lo, hi) = katz(20, 100, 10, 100, 0.05)  # type: ignore[misc]
    half = Z95 * math.sqrt(0.13)
    assert point == pytest.approx(2.0)
    assert lo == pytest.approx(2.0 * math.exp(-half))
    assert hi == pytest.approx(2.0 * math.exp(half))
    assert lo == pytest.approx(0.9866, abs=1e-3) and hi == pytest.approx(4.054, abs=1e-3)


def test_katz_with_reference_rate_zero_has_no_point_but_a_corrected_interval() -> None:
    point, interval = katz(10, 100, 0, 100, 0.05)
    assert point is None
    assert interval is not None
    # +0.5 everywhere: (10.5/100.5)/(0.5/100.5) = 21
    centre = math.log(21.0)
    se = math.sqrt(1 / 10.5 - 1 / 100.5 + 1 / 0.5 - 1 / 100.5)
    assert interval[0] == pytest.approx(math.exp(centre - Z95 * se))


def test_newcombe_matches_newcombe_1998_example() -> None:
    # Newcombe (1998), method 10, 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339.
    point, (lo, hi) = newcombe(56, 70, 48, 80, 0.05)  # type: ignore[misc]
    assert point == pytest.approx(0.2)
    assert lo == pytest.approx(0.0524, abs=1e-4)
    assert hi == pytest.approx(0.3339, abs=1e-4)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SMALL = (
    "grp,sex,flag,fraud,w\n"
    # group A: 10 rows, 4 selected; tp 3, fp 1, tn 5, fn 1
    + "A,f,1,1,1\nA,f,1,1,1\nA,m,1,1,1\nA,m,1,0,1\nA,f,0,0,1\nA,f,0,0,1\nA,m,0,0,1\n"
    + "A,m,0,0,1\nA,m,0,0,1\nA,f,0,1,1\n"
    # group B: 5 rows, none selected, no positives: FNR and precision are 0/0
    + "B,f,0,0,1\nB,f,0,0,1\nB,m,0,0,1\nB,m,0,0,1\nB,m,0,0,1\n"
)


def test_counts_and_rates_from_a_small_csv(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", SMALL)
    spec = dataset_spec({"columns": {"group": ["grp"], "selected": "flag", "outcome": "fraud"}})
    table = compute_counts(path, spec)
    a, b = table.cells[("A",)], table.cells[("B",)]
    assert (a.n, a.sel, a.tp, a.fp, a.tn, a.fn) == (10, 4, 3, 1, 5, 1)
    assert (b.n, b.sel, b.tp, b.fp, b.tn, b.fn) == (5, 0, 0, 0, 5, 0)
    assert not table.selective_labels
    settings = Settings(
        metrics=("selection_rate_ratio", "fnr_difference", "precision_ratio", "fpr_difference"),
        bands=dict(DEFAULT_BANDS),
        min_group_size=1,
    )
    report = evaluate(table, settings)
    grouping = report["groupings"][0]
    assert grouping["reference"] == {"grp": "A"}  # the largest group
    rows = {row["group"]["grp"]: row for row in grouping["groups"]}
    assert rows["A"]["rates"]["selection_rate"]["value"] == pytest.approx(0.4, abs=1e-6)
    assert rows["A"]["rates"]["fpr"]["value"] == pytest.approx(1 / 6, abs=1e-6)
    assert rows["A"]["rates"]["fnr"]["value"] == pytest.approx(0.25)
    assert rows["A"]["rates"]["precision"]["value"] == pytest.approx(0.75)
    # B: no positives, nothing selected: rates undefined, never 0
    assert rows["B"]["rates"]["fnr"] == {"value": None, "not_estimable": "zero_denominator"}
    assert rows["B"]["rates"]["precision"]["value"] is None
    assert rows["B"]["rates"]["fpr"]["value"] == 0.0
    comparisons = {c["metric"]: c for c in grouping["comparisons"]}
    assert comparisons["selection_rate_ratio"]["value"] == 0.0  # 0/5 vs 4/10
    assert comparisons["fnr_difference"]["verdict"] == "not_estimable"
    assert comparisons["fnr_difference"]["value"] is None
    assert comparisons["precision_ratio"]["verdict"] == "not_estimable"
    # one comparison per metric, so Holm leaves the level at 95%
    assert comparisons["fpr_difference"]["confidence"] == pytest.approx(0.95)
    assert comparisons["fpr_difference"]["value"] == pytest.approx(0 - 1 / 6, abs=1e-6)
    assert report["verdict"] == "review"


def test_intersections_of_two_attributes(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", SMALL)
    spec = dataset_spec({"columns": {"group": ["grp", "sex"], "selected": "flag"}})
    table = compute_counts(path, spec)
    settings = Settings(
        metrics=("selection_rate_ratio",),
        bands=dict(DEFAULT_BANDS),
        min_group_size=1,
        groupings=(("grp",), ("sex",), ("grp", "sex")),
    )
    report = evaluate(table, settings)
    by_attrs = {tuple(g["attributes"]): g for g in report["groupings"]}
    cells = {
        (r["group"]["grp"], r["group"]["sex"]): (r["n"], r["selected"])
        for r in by_attrs[("grp", "sex")]["groups"]
    }
    assert cells == {("A", "f"): (5, 2), ("A", "m"): (5, 2), ("B", "f"): (2, 0), ("B", "m"): (3, 0)}
    sexes = {r["group"]["sex"]: (r["n"], r["selected"]) for r in by_attrs[("sex",)]["groups"]}
    assert sexes == {"f": (7, 2), "m": (8, 2)}
    # three comparisons against the reference: Holm gives levels 1-a/3, 1-a/2, 1-a
    levels = sorted(c["confidence"] for c in by_attrs[("grp", "sex")]["comparisons"])
    assert levels[0] >= 0.95 and levels[-1] <= 1 - 0.05 / 3 + 1e-9


def test_single_group_cannot_be_compared(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "grp,flag\n" + "A,1\nA,0\n" * 40)
    spec = dataset_spec({"columns": {"group": "grp", "selected": "flag"}})
    report = evaluate(
        compute_counts(path, spec),
        Settings(metrics=("selection_rate_ratio",), bands=dict(DEFAULT_BANDS)),
    )
    assert report["verdict"] == "review"
    assert report["groupings"][0]["comparisons"] == []
    assert any("only one group" in note for note in report["notes"])


def test_weights_by_hand(tmp_path: Path) -> None:
    text = "grp,flag,w\nA,1,2\nA,0,1\nA,0,1\nB,1,0.5\nB,1,0.5\nB,0,3\n"
    path = _write(tmp_path / "d.csv", text)
    spec = dataset_spec({"columns": {"group": "grp", "selected": "flag", "weight": "w"}})
    table = compute_counts(path, spec)
    a = table.cells[("A",)]
    assert (a.n, a.w, a.w2, a.sel) == (3, 4.0, 6.0, 2.0)
    report = evaluate(
        table,
        Settings(
            metrics=("selection_rate_difference",), bands=dict(DEFAULT_BANDS), min_group_size=1
        ),
    )
    rows = {r["group"]["grp"]: r for r in report["groupings"][0]["groups"]}
    assert rows["A"]["rates"]["selection_rate"]["value"] == pytest.approx(0.5)  # 2 / 4
    assert rows["B"]["rates"]["selection_rate"]["value"] == pytest.approx(0.25)  # 1 / 4
    assert rows["A"]["effective_n"] == pytest.approx(16 / 6)  # Kish: (sum w)^2 / sum w^2
    assert rows["B"]["effective_n"] == pytest.approx(16 / 9.5)
    # the Wilson interval of A uses the effective size: 0.5 of 8/3 trials
    lo, hi = wilson(0.5 * 16 / 6, 16 / 6, 0.05)  # type: ignore[misc]
    assert rows["A"]["rates"]["selection_rate"]["interval"] == [round(lo, 6), round(hi, 6)]
    # equal total weight and rows: the tie goes to the last name, B
    assert report["groupings"][0]["reference"] == {"grp": "B"}
    comparison = report["groupings"][0]["comparisons"][0]
    assert comparison["group"] == {"grp": "A"}
    assert comparison["value"] == pytest.approx(0.5 - 0.25)


def test_empty_group_in_counts_is_not_estimable_never_zero(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "c.csv",
        "nat,n,selected,tp,fp,tn,fn\nNL,1000,100,60,40,850,50\nXX,0,0,0,0,0,0\nTR,500,150,60,90,320,30\n",
    )
    table = read_group_counts(path, counts_spec({"columns": {"group": "nat"}}))
    assert table.has_outcome
    report = evaluate(
        table,
        Settings(
            metrics=("selection_rate_ratio", "fpr_ratio"),
            bands=dict(DEFAULT_BANDS),
            min_group_size=0,
        ),
    )
    rows = {r["group"]["nat"]: r for r in report["groupings"][0]["groups"]}
    assert rows["XX"]["rates"]["selection_rate"] == {
        "value": None,
        "not_estimable": "zero_denominator",
    }
    assert rows["TR"]["rates"]["fpr"]["value"] == pytest.approx(90 / 410, abs=1e-6)
    assert rows["NL"]["rates"]["fpr"]["value"] == pytest.approx(40 / 890, abs=1e-6)
    verdicts = {(c["metric"], c["group"]["nat"]): c for c in report["groupings"][0]["comparisons"]}
    assert verdicts[("selection_rate_ratio", "XX")]["verdict"] == "not_estimable"
    tr = verdicts[("selection_rate_ratio", "TR")]
    assert tr["value"] == pytest.approx(0.3 / 0.1)
    assert tr["verdict"] == "fail"  # 3x, interval far above 1.25
    assert report["verdict"] == "fail"


def test_min_group_size_and_most_favoured_reference() -> None:
    cells = {
        ("A",): Cell(n=1000, w=1000, w2=1000, sel=100),
        ("B",): Cell(n=1000, w=1000, w2=1000, sel=50),
        ("C",): Cell(n=10, w=10, w2=10, sel=9),
    }
    table = CountTable(("g",), cells)
    settings = Settings(
        metrics=("selection_rate_ratio",),
        bands=dict(DEFAULT_BANDS),
        min_group_size=30,
        reference="most_favoured",
    )
    report = evaluate(table, settings)
    grouping = report["groupings"][0]
    assert grouping["reference"] == {"g": "B"}  # lowest adverse (selection) rate
    verdicts = {c["group"]["g"]: c for c in grouping["comparisons"]}
    assert verdicts["C"]["verdict"] == "too_small"
    assert verdicts["A"]["value"] == pytest.approx(2.0)
    assert verdicts["A"]["verdict"] == "fail"


def test_adverse_outcome_not_selected_flips_the_rate() -> None:
    cells = {("A",): Cell(n=100, w=100, w2=100, sel=80), ("B",): Cell(n=100, w=100, w2=100, sel=60)}
    settings = Settings(
        metrics=("selection_rate_ratio",),
        bands=dict(DEFAULT_BANDS),
        min_group_size=1,
        reference={"g": "A"},
        adverse="not_selected",
    )
    report = evaluate(CountTable(("g",), cells), settings)
    comparison = report["groupings"][0]["comparisons"][0]
    assert comparison["value"] == pytest.approx(0.4 / 0.2)


def test_selective_labels_make_error_rates_not_estimable_unless_a_control_sample(
    tmp_path: Path,
) -> None:
    rows = ["grp,flag,fraud,ctl"]
    # outcome known only when flagged, except in the random control sample (ctl=1)
    for grp in ("A", "B"):
        rows += [f"{grp},1,1,0"] * 30 + [f"{grp},1,0,0"] * 10 + [f"{grp},0,,0"] * 60
        rows += (
            [f"{grp},0,0,1"] * 40
            + [f"{grp},0,1,1"] * 5
            + [f"{grp},1,1,1"] * 10
            + [f"{grp},1,0,1"] * 5
        )
    path = _write(tmp_path / "d.csv", "\n".join(rows) + "\n")
    plain = dataset_spec(
        {
            "columns": {"group": "grp", "selected": "flag", "outcome": "fraud"},
            "dataset": {"labels": "selective"},
        }
    )
    settings = Settings(
        metrics=("fpr_difference", "precision_difference"),
        bands=dict(DEFAULT_BANDS),
        min_group_size=1,
    )
    report = evaluate(compute_counts(path, plain), settings)
    assert report["selective_labels"]
    by_metric = {c["metric"]: c for c in report["groupings"][0]["comparisons"]}
    assert by_metric["fpr_difference"]["verdict"] == "not_estimable"
    assert by_metric["fpr_difference"]["not_estimable"] == "selective_labels"
    assert by_metric["precision_difference"]["value"] == pytest.approx(0.0)
    with_control = dataset_spec(
        {
            "columns": {"group": "grp", "selected": "flag", "outcome": "fraud", "control": "ctl"},
            "dataset": {"labels": "selective"},
        }
    )
    report = evaluate(compute_counts(path, with_control), settings)
    row = report["groupings"][0]["groups"][0]
    # control sample per group: fp 5, tn 40 -> FPR 5/45; fn 5, tp 10 -> FNR 5/15
    assert row["rates"]["fpr"]["value"] == pytest.approx(5 / 45, abs=1e-6)
    assert row["rates"]["fnr"]["value"] == pytest.approx(5 / 15, abs=1e-6)
    by_metric = {c["metric"]: c for c in report["groupings"][0]["comparisons"]}
    assert by_metric["fpr_difference"]["value"] == pytest.approx(0.0)


def test_selection_from_a_score_threshold_and_from_category_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.csv",
        "grp,score,decision\nA,0.9,onderzoek\nA,0.2,geen\nB,0.7,onderzoek\nB,,geen\n",
    )
    score = dataset_spec(
        {"columns": {"group": "grp", "selected": {"column": "score", "threshold": 0.7}}}
    )
    table = compute_counts(path, score)
    assert table.cells[("A",)].sel == 1 and table.cells[("B",)].sel == 1
    assert table.invalid == {"missing_selected": 1}  # the empty score
    values = dataset_spec(
        {"columns": {"group": "grp", "selected": {"column": "decision", "values": ["onderzoek"]}}}
    )
    table = compute_counts(path, values)
    assert (table.cells[("A",)].sel, table.cells[("B",)].sel) == (1, 1)
    assert table.invalid == {}
