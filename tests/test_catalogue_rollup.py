"""Requirement roll-ups: rule semantics, the shipped rules, and the rows in a real result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import AS_OF, EXAMPLES, ROOT, run_cli
from normenkader.catalogue.citations import from_norm_set
from normenkader.catalogue.model import load_catalogues
from normenkader.catalogue.rollup import Rule, _rule, decide, load_rules, rule_problems
from normenkader.errors import InputError
from normenkader.norms.compiled import load_norm_set

N = ("A", "B", "C")


def verdict(rule: Rule, statuses: dict[str, str], blockers: tuple[str, ...] = ()) -> str:
    severities = {n: ("blocker" if n in blockers else "major") for n in statuses}
    norms = [n for n in N if n in statuses and n not in rule.alternative]
    status, via = decide(rule, statuses, severities, norms)
    return status + ("+alt" if via else "")


ALL = Rule("c", "x", "1")
ANY = Rule("c", "x", "1", rule="any")
TWO = Rule("c", "x", "1", rule="k_of_n", k=2)


@pytest.mark.parametrize(
    ("rule", "statuses", "expected"),
    [
        (ALL, {"A": "pass", "B": "waived"}, "satisfied"),
        (ALL, {"A": "pass", "B": "not_applicable"}, "satisfied"),
        (ALL, {"A": "not_applicable", "B": "not_applicable"}, "not_applicable"),
        (ALL, {"A": "pass", "B": "fail"}, "not_satisfied"),
        (ALL, {"A": "blocked", "B": "review"}, "not_satisfied"),
        (ALL, {"A": "pass", "B": "review"}, "open"),
        (ALL, {"A": "pass", "B": "error"}, "open"),
        (ALL, {"A": "missing"}, "not_satisfied"),
        (ANY, {"A": "fail", "B": "pass"}, "satisfied"),
        (ANY, {"A": "fail", "B": "review"}, "open"),
        (ANY, {"A": "fail", "B": "missing"}, "not_satisfied"),
        (ANY, {"A": "fail", "B": "not_applicable"}, "not_satisfied"),
        (TWO, {"A": "pass", "B": "pass", "C": "fail"}, "satisfied"),
        (TWO, {"A": "pass", "B": "review", "C": "fail"}, "open"),
        (TWO, {"A": "pass", "B": "fail", "C": "missing"}, "not_satisfied"),
        # k is capped at the number of norms that apply
        (TWO, {"A": "pass", "B": "not_applicable", "C": "not_applicable"}, "satisfied"),
    ],
)
def test_rules(rule: Rule, statuses: dict[str, str], expected: str) -> None:
    assert verdict(rule, statuses) == expected


def test_a_blocker_norm_keeps_an_item_from_satisfied_whatever_the_rule() -> None:
    assert verdict(ANY, {"A": "fail", "B": "pass"}, blockers=("A",)) == "not_satisfied"
    assert verdict(ANY, {"A": "missing", "B": "pass"}, blockers=("A",)) == "not_satisfied"
    assert verdict(ANY, {"A": "review", "B": "pass"}, blockers=("A",)) == "open"
    assert verdict(TWO, {"A": "pass", "B": "pass", "C": "review"}, blockers=("C",)) == "open"
    # a blocker that passes or does not apply stops nothing
    assert verdict(ALL, {"A": "pass", "B": "not_applicable"}, blockers=("B",)) == "satisfied"


def test_alternative_attestation_satisfies_but_never_past_a_blocker() -> None:
    rule = Rule("c", "x", "1", rule="all", alternative=("C",))
    assert verdict(rule, {"A": "missing", "C": "pass"}) == "satisfied+alt"
    assert verdict(rule, {"A": "missing", "C": "fail"}) == "not_satisfied"
    assert verdict(rule, {"A": "pass", "C": "fail"}) == "satisfied"
    assert verdict(rule, {"A": "fail", "C": "pass"}, blockers=("A",)) == "not_satisfied"
    # only the alternative applies
    assert verdict(rule, {"A": "not_applicable", "C": "pass"}) == "satisfied+alt"


@pytest.mark.parametrize(
    "entry",
    [
        {"catalogue": "c", "id": "x"},
        {"catalogue": "c", "id": "x", "version": "1", "rule": "most"},
        {"catalogue": "c", "id": "x", "version": "1", "rule": "k_of_n"},
        {"catalogue": "c", "id": "x", "version": "1", "rule": "all", "k": 2},
        {
            "catalogue": "c",
            "id": "x",
            "version": "1",
            "rule": "k_of_n",
            "k": 3,
            "norms": ["A", "B"],
        },
        {"catalogue": "c", "id": "x", "version": "1", "norms": []},
        {"catalogue": "c", "id": "x", "version": "1", "explain": {"en": "only one language"}},
        {"catalogue": "c", "id": "x", "version": "1", "extra": 1},
    ],
)
def test_invalid_rules_are_rejected(entry: dict[str, object]) -> None:
    with pytest.raises(InputError) as caught:
        _rule(entry, "rollups.yaml:1:1")
    assert caught.value.code == "ROLLUP_INVALID"


def test_shipped_rules_name_known_items_and_norms() -> None:
    rules = load_rules(ROOT / "norms" / "catalogues" / "rollups.yaml")
    assert rules, "rollups.yaml holds at least one rule"
    norms = from_norm_set(load_norm_set(None, profile=None))
    assert rule_problems(rules, load_catalogues(), norms) == []
    broken = [
        Rule("algoritmekader", "urn:nl:ak:ver:grw-01", "v2.5.1", alternative=("NK.GOV.01",)),
        Rule("algoritmekader", "urn:nl:ak:ver:nope", "v2.5.1"),
        Rule("algoritmekader", "urn:nl:ak:ver:grw-02", "v2.5.1", norms=("NK.NOPE.01",)),
    ]
    assert rule_problems(broken, load_catalogues(), norms) == [
        "rollups: urn:nl:ak:ver:grw-01: alternative NK.GOV.01 has no attestation check",
        "rollups: algoritmekader urn:nl:ak:ver:nope (v2.5.1) is unknown",
        "rollups: urn:nl:ak:ver:grw-02: unknown norm NK.NOPE.01",
    ]


def test_check_result_carries_requirement_rows(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--format", "json", "--output", out)
    result = json.loads(out.read_text("utf-8"))
    rows = result["requirements"]
    assert rows, "the roll-up fills result.requirements"
    statuses = {f["norm_id"]: f["status"] for f in result["findings"]}
    keys = {"catalogue", "id", "version", "title", "status", "rule", "norms", "alternative", "via"}
    seen = set()
    for row in rows:
        assert keys <= set(row)
        assert set(row["title"]) == {"nl", "en"}
        assert row["status"] in {
            "satisfied",
            "not_satisfied",
            "not_applicable",
            "open",
            "not_tested",
        }
        assert row["norms"] and all(statuses[n] == s for n, s in row["norms"].items())
        seen.add((row["catalogue"], row["id"]))
        tested = {n: s for n, s in row["norms"].items() if n not in row["nominal"]}
        assert (row["status"] == "not_tested") == (not tested and not row["alternative"])
        if row["rule"] == "all" and not row["alternative"] and tested:
            values = [s for s in tested.values() if s != "not_applicable"]
            if any(s in ("fail", "missing", "blocked") for s in values):
                assert row["status"] == "not_satisfied", row
            elif not values:
                assert row["status"] == "not_applicable", row
    assert len(seen) == len(rows)
    by_id = {r["id"]: r for r in rows if r["catalogue"] == "algoritmekader"}
    # the toeslagen lessons: nationality as a feature breaks non-discrimination
    grw02 = by_id["urn:nl:ak:ver:grw-02"]
    assert grw02["status"] == "not_satisfied" and "NK.DISC.01" in grw02["norms"]
    # shipped rule: only the register publication decides bzk-01
    if "urn:nl:ak:ver:bzk-01" in by_id:
        assert list(by_id["urn:nl:ak:ver:bzk-01"]["norms"]) == ["NK.TR.01"]
    order = [r["catalogue"] for r in rows]
    assert order == sorted(
        order, key=["algoritmekader", "adr-onderzoekskader", "ark-toetsingskader"].index
    )


STATUS = ("pass", "waived", "fail", "missing", "blocked", "review", "error", "not_applicable")
RANK = {"not_satisfied": 0, "open": 1, "satisfied": 2}


@given(
    statuses=st.lists(st.sampled_from(STATUS), min_size=1, max_size=5),
    blockers=st.lists(st.booleans(), min_size=5, max_size=5),
    which=st.sampled_from(["all", "any", "k2"]),
    upgrade=st.integers(min_value=0, max_value=4),
)
def test_properties_blocker_guard_and_monotonicity(
    statuses: list[str], blockers: list[bool], which: str, upgrade: int
) -> None:
    rule = {"all": ALL, "any": ANY, "k2": Rule("c", "x", "1", rule="k_of_n", k=2)}[which]
    names = [f"N{i}" for i in range(len(statuses))]
    by_name = dict(zip(names, statuses, strict=True))
    severities = {n: "blocker" if blockers[i] else "major" for i, n in enumerate(names)}
    status, _ = decide(rule, by_name, severities, names)
    if all(s == "not_applicable" for s in statuses):
        assert status == "not_applicable"
        return
    if any(blockers[i] and s in ("fail", "missing", "blocked") for i, s in enumerate(statuses)):
        assert status == "not_satisfied"
    if any(blockers[i] and s == "review" for i, s in enumerate(statuses)):
        assert status != "satisfied"
    # turning one applicable norm into a pass never makes the verdict worse
    target = names[upgrade % len(names)]
    if by_name[target] != "not_applicable" and status != "not_applicable":
        better, _ = decide(rule, {**by_name, target: "pass"}, severities, names)
        assert RANK[better] >= RANK[status]


def test_an_item_with_only_nominal_links_is_not_tested_even_when_its_norm_passes() -> None:
    """Legal review F8: a norm that names an item without testing it never satisfies it."""
    run = run_cli("check", EXAMPLES / "compliant", "--as-of", AS_OF, "--format", "json")
    assert run.code == 0, run.stderr
    rows = {row["id"]: row for row in json.loads(run.stdout)["requirements"]}
    technical_file = rows["urn:nl:ak:ver:aia-06"]
    assert technical_file["norms"] == {"NK.MOD.02": "pass"}
    assert technical_file["nominal"] == ["NK.MOD.02"]
    assert technical_file["status"] == "not_tested"
    assert all(row["status"] != "not_tested" for row in rows.values() if not row["nominal"])
