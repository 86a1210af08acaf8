"""The committed catalogues: counts, links, our own titles, and the strict loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from normenkader.catalogue.model import load_catalogue, load_catalogues
from normenkader.catalogue.upstream import fingerprint
from normenkader.errors import InputError

CATALOGUES = ROOT / "norms" / "catalogues"


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    return load_catalogues(CATALOGUES)  # type: ignore[return-value]


def test_counts_and_versions(shipped: dict) -> None:
    assert set(shipped) == {
        "algoritmekader@v2.5.1",
        "adr-onderzoekskader@2023",
        "ark-toetsingskader@2023",
        "law@2026",
    }
    ak = shipped["algoritmekader@v2.5.1"]
    assert len(ak.of_type("requirement")) == 63 and len(ak.of_type("measure")) == 108
    assert len(shipped["adr-onderzoekskader@2023"].of_type("control")) == 84
    assert len(shipped["ark-toetsingskader@2023"].of_type("item")) == 55
    assert ak.header["source"]["commit"] == "450e1befcc977c6d5b71c87bddbc1bdf22a8e343"
    assert (CATALOGUES / "NOTICE.md").read_text("utf-8").count("EUPL-1.2") >= 2


def test_links_resolve(shipped: dict) -> None:
    ak = shipped["algoritmekader@v2.5.1"]
    adr = shipped["adr-onderzoekskader@2023"].items
    ark = shipped["ark-toetsingskader@2023"].items
    law = shipped["law@2026"].items
    for measure in ak.of_type("measure"):
        for target in measure.data.get("requirements", []):
            assert ak.items[target].type == "requirement", (measure.id, target)
        assert all(i in adr for i in measure.data.get("adr", [])), measure.id
        assert all(i in ark for i in measure.data.get("ark", [])), measure.id
    for requirement in ak.of_type("requirement"):
        assert all(a in law for a in requirement.data.get("legal", [])), requirement.id
    # every ADR control and ARK item is cited by at least one measure (crosswalk intact)
    cited_adr = {i for m in ak.of_type("measure") for i in m.data.get("adr", [])}
    cited_ark = {i for m in ak.of_type("measure") for i in m.data.get("ark", [])}
    assert cited_adr == set(adr) and cited_ark == set(ark)
    assert all(re.fullmatch(r"[1-4]\.\d{2}", i) for i in ark)
    # upstream facts carried over: aia-38 and aia-39 have no measures
    assert ak.measures_of("urn:nl:ak:ver:aia-38") == []
    assert "urn:nl:ak:mtr:ver-03" in ak.measures_of("urn:nl:ak:ver:grw-02")


def test_titles_are_ours_in_both_languages(shipped: dict) -> None:
    for catalogue in shipped.values():
        for item in catalogue.items.values():
            assert item.title and item.title["nl"].strip() and item.title["en"].strip(), item.id
            if "fingerprint" in item.data:
                # the upstream title's fingerprint never matches our own wording
                assert fingerprint(item.title["nl"]) != item.data["fingerprint"], item.id


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(
        "format: normenkader-catalogue/1\ncatalogue: t\nversion: '1'\n"
        "title: {nl: T, en: T}\n" + body,
        "utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            "controls:\n  - {id: A, title: {nl: a, en: a}}\n  - {id: A, title: {nl: b, en: b}}\n",
            ":7:",
        ),
        ("controls:\n  - {id: A, title: {nl: a}}\n", ":6:"),
        ("controls:\n  - {id: A, title: {nl: a, en: a}, colour: red}\n", ":6:"),
        ("requirements:\n  - {id: R, title: null, legal: AVG}\n", ":6:"),
        ("extra: 1\n", ":1:"),
    ],
)
def test_invalid_catalogue_is_rejected_with_position(tmp_path: Path, body: str, where: str) -> None:
    with pytest.raises(InputError) as caught:
        load_catalogue(write(tmp_path, body))
    assert caught.value.code == "CATALOGUE_INVALID"
    assert where in (caught.value.where or ""), caught.value.line()


def test_cache_gives_the_same_catalogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        write(tmp_path, "controls:\n  - {id: A, title: {nl: a, en: b}}\n").read_text(), "utf-8"
    )
    monkeypatch.setenv("NORMENKADER_CACHE_DIR", str(tmp_path / "cache"))
    first = load_catalogues(folder)["t@1"]
    assert list((tmp_path / "cache").glob("catalogues-*.json"))
    (folder / "x.yaml").write_text((folder / "x.yaml").read_text() + "\n", "utf-8")  # new state
    second = load_catalogues(folder)["t@1"]
    assert first.to_data() == second.to_data()
    assert list(second.to_data()["title"]) == ["nl", "en"]  # key order survives the cache
