"""Quality rules for the GOV, DATA, DISC and PRIV norms and the shipped profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import AS_OF, ROOT, run_cli
from normenkader.norms.compiled import load_norm_set
from normenkader.yamlio import loads_yaml

NK = ROOT / "norms" / "nk"
SETS = ("GOV", "DATA", "DISC", "PRIV")
DATA_HELPER = {"NK.DISC.02", "NK.DISC.04", "NK.DISC.05", "NK.DISC.06"}
KNOWN_CATALOGUES = {"algoritmekader", "adr-onderzoekskader", "ark-toetsingskader"}


def my_norms() -> list[Path]:
    return sorted(
        path
        for path in NK.glob("*/NK.*.yaml")
        if not path.name.endswith(".test.yaml")
        and path.stem.split(".")[1] in SETS
        and path.stem not in DATA_HELPER
    )


@pytest.fixture(scope="module")
def library():  # type: ignore[no-untyped-def]
    return load_norm_set(None)


def test_counts_per_set() -> None:
    counts = {s: sum(1 for p in my_norms() if p.stem.split(".")[1] == s) for s in SETS}
    assert counts == {"GOV": 14, "DATA": 4, "DISC": 15, "PRIV": 13}


@pytest.mark.parametrize("path", my_norms(), ids=lambda p: p.stem)
def test_norm_quality(path: Path, library) -> None:  # type: ignore[no-untyped-def]
    norm = library.norms[path.stem]
    assert (path.parent / f"{path.stem}.test.yaml").is_file(), "every norm has fixture tests"
    assert norm.title["nl"] != norm.title["en"]
    for source in norm.derived_from:
        assert source["catalogue"] in KNOWN_CATALOGUES
        assert source["version"], "every upstream reference is versioned"
    assert any(s["catalogue"] == "algoritmekader" and ":ver:" in s["id"] for s in norm.derived_from)
    assert norm.legal_basis, "every norm names the law it rests on"
    if norm.severity == "blocker":
        assert not norm.waivable, "a legal hard line cannot be waived"
    assert norm.checks, "every norm tests its evidence mechanically"
    for config in norm.check_configs:
        if config.kind == "expr":
            assert config.explain and config.explain.get("nl") and config.explain.get("en")
    if norm.review:
        assert norm.review_prompt


def test_review_only_where_judgement_is_needed(library) -> None:  # type: ignore[no-untyped-def]
    mine = {p.stem for p in my_norms()}
    assert {n for n in mine if library.norms[n].review} == {
        "NK.GOV.08",
        "NK.GOV.12",  # quality of law (SyRI): foreseeability is a legal judgement
        "NK.GOV.13",  # individual weighing (Awb 3:4(2), 4:84)
        "NK.DISC.07",
        "NK.PRIV.11",
        "NK.PRIV.13",  # system-level proportionality and subsidiarity
    }


def test_prerequisites_follow_the_design(library) -> None:  # type: ignore[no-untyped-def]
    requires = {n: set(library.norms[n].requires) for n in library.norms}
    for dependant in ("NK.PRIV.01", "NK.PRIV.03", "NK.PRIV.04", "NK.DISC.03"):
        assert "NK.DATA.01" in requires[dependant]
    assert {"NK.GOV.01", "NK.DISC.08"} <= requires["NK.DISC.03"]
    assert requires["NK.DISC.09"] == {"NK.GOV.06"}
    # deliberate: a hard fact is never hidden behind a paperwork gap (legal review F1, F7):
    # the justification answers the measured disparity, nothing else blocks it
    assert requires["NK.DISC.07"] == set()
    assert list(library.norms["NK.DISC.07"].answers) == ["NK.DISC.06"]
    for hard_fact in ("NK.DISC.04", "NK.DISC.06", "NK.ITGC.01", "NK.PRIV.11"):
        assert requires[hard_fact] == set(), hard_fact
    assert requires["NK.TR.01"] == {"NK.PRF.01"}
    for norm_id, needs in requires.items():
        if norm_id.startswith(("NK.AIA.", "NK.AIP.")):
            assert needs <= {"NK.PRF.01"}, norm_id  # never behind the PRF.02 screening or FRIA
    # deliberate: hard lines visible in their own evidence are not hidden behind DATA.01
    assert "NK.DATA.01" not in requires["NK.DISC.01"]
    assert "NK.DATA.01" not in requires["NK.PRIV.06"]


def test_profiles() -> None:
    self_check = load_norm_set(None, "self-check")
    assert not [n for n in self_check.norms if n.startswith("NK.ITGC.")]
    assert self_check.norms["NK.GOV.04"].params["review_interval_months"] == 18
    assert self_check.norms["NK.GOV.04"].evidence["risk_register"].max_age == "P18M"
    audit = load_norm_set(None, "audit")
    assert len(audit.norms) == len(load_norm_set(None).norms)
    deployer = load_norm_set(None, "ai-act-deployer")
    assert {f"NK.AIA.{n}" for n in range(20, 28)} <= set(deployer.norms)
    assert "NK.PRF.01" in deployer.norms  # pulled in as a prerequisite
    assert "NK.ITGC.03" not in deployer.norms


def test_profile_files_are_valid_yaml_with_both_languages() -> None:
    for path in sorted((ROOT / "norms" / "profiles").glob("*.yaml")):
        data = loads_yaml(path.read_bytes(), str(path)).value
        assert data["id"] == path.stem
        assert data["title"]["nl"] and data["title"]["en"]
        assert data["description"]["nl"] and data["description"]["en"]


def test_base_fixture_holds_for_the_whole_library() -> None:
    """The shared good bundle: every norm applies and holds, or asks for a judgement."""
    run = run_cli(
        "check", ROOT / "norms" / "fixtures" / "base", "--as-of", AS_OF, "--format", "json"
    )
    assert run.code == 0, run.stderr
    statuses = {f["norm_id"]: f["status"] for f in json.loads(run.stdout)["findings"]}
    assert set(statuses.values()) <= {"pass", "review", "not_applicable"}
    mine = [n for n in statuses if n.split(".")[1] in SETS]
    # an answering norm has nothing to answer on a good bundle (docs/semantics.md, answers)
    answering = {"NK.DISC.07"}
    assert all(statuses[n] in ("pass", "review") for n in mine if n not in answering), (
        "every norm of ours applies"
    )
    assert statuses["NK.DISC.07"] == "not_applicable"
