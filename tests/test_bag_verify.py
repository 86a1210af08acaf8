"""Closed-world bag verification and sealing, through the real CLI."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from hostile.sandbox import Workspace, assert_budget, assert_rejected
from hostile.trees import BUNDLE_YAML, NOTES, manual_bag, sha256, working_bundle
from hostile.zips import Member, build_zip
from normenkader.evidence.seal import seal_bundle

PAYLOAD = {"bundle.yaml": BUNDLE_YAML, "docs/notes.md": NOTES}


def sealed(tmp_path: Path, name: str = "bag") -> Path:
    """A bag sealed by the library (the seal command itself is tested below)."""
    source = working_bundle(tmp_path / "work")
    with tempfile.TemporaryDirectory() as staging:
        seal_bundle(source, tmp_path / name, None, Path(staging))
    return tmp_path / name


def _inside(name: str) -> set[str]:
    return {
        f"{name}/{p}"
        for p in (
            "data",
            "data/bundle.yaml",
            "data/docs",
            "data/docs/notes.md",
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "tagmanifest-sha256.txt",
        )
    }


def digest_line(outcome_stdout: str) -> str:
    return outcome_stdout.split("digest ")[-1].strip()


def test_seal_folder_and_zip_keep_the_digest(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    source = working_bundle(tmp_path / "work")
    folder = workspace.run("validate", source)
    outcome = workspace.run(
        "seal", source, "-o", tmp_path / "bag", allowed={"bag"} | _inside("bag")
    )
    assert outcome.code == 0, outcome.stderr
    bag = tmp_path / "bag"
    outcome = workspace.run("seal", source, "-o", tmp_path / "bag.zip", allowed={"bag.zip"})
    assert outcome.code == 0, outcome.stderr
    digests = {
        digest_line(workspace.run("validate", p).stdout)
        for p in (source, bag, tmp_path / "bag.zip")
    }
    assert digests == {digest_line(folder.stdout)}
    assert (
        bag / "bagit.txt"
    ).read_bytes() == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    with zipfile.ZipFile(tmp_path / "bag.zip") as archive:
        assert sorted(archive.namelist()) == sorted(
            [
                "bag-info.txt",
                "bagit.txt",
                "manifest-sha256.txt",
                "tagmanifest-sha256.txt",
                "data/bundle.yaml",
                "data/docs/notes.md",
            ]
        )


def test_seal_refuses_to_overwrite_and_leaves_nothing(tmp_path: Path) -> None:
    bag = sealed(tmp_path)
    workspace = Workspace(tmp_path)
    assert_rejected(workspace.run("seal", tmp_path / "work", "-o", bag), "OUTPUT_EXISTS")
    assert_rejected(
        workspace.run("seal", tmp_path / "work", "-o", tmp_path / "no" / "b.zip"), "OUTPUT_INVALID"
    )


def test_seal_rejects_an_invalid_bundle_and_writes_nothing(tmp_path: Path) -> None:
    source = working_bundle(tmp_path / "work", {"bundle.yaml": b"bundle: [not, a, mapping]\n"})
    outcome = Workspace(tmp_path).run("seal", source, "-o", tmp_path / "bag.zip")
    assert_rejected(outcome, "MANIFEST_INVALID")


def test_bag_made_by_bagit_python_is_accepted(tmp_path: Path) -> None:
    source = working_bundle(tmp_path / "work")
    expected = digest_line(Workspace(tmp_path).run("validate", source).stdout)
    bagit = pytest.importorskip("bagit", reason="test extra: bagit creates bags")
    bagit.make_bag(str(source), checksums=["sha256"])
    outcome = Workspace(tmp_path).run("validate", source)
    assert outcome.code == 0, outcome.stderr
    assert "bundle hostile-test-001: bag" in outcome.stdout
    assert digest_line(outcome.stdout) == expected


def flip(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def rewrite_tagmanifest(bag: Path) -> None:
    names = [p.name for p in bag.iterdir() if p.is_file() and p.name != "tagmanifest-sha256.txt"]
    (bag / "tagmanifest-sha256.txt").write_text(
        "".join(f"{sha256((bag / n).read_bytes())}  {n}\n" for n in sorted(names))
    )


def remanifest(bag: Path) -> None:
    lines = []
    for path in sorted((bag / "data").rglob("*")):
        if path.is_file():
            lines.append(f"{sha256(path.read_bytes())}  {path.relative_to(bag).as_posix()}\n")
    (bag / "manifest-sha256.txt").write_text("".join(lines))
    rewrite_tagmanifest(bag)


Mutation = Callable[[Path], None]
CASES: dict[str, tuple[str, Mutation]] = {
    "flipped-payload-byte": (
        "CHECKSUM_MISMATCH",
        lambda b: flip(b / "data" / "docs" / "notes.md", 3),
    ),
    "unlisted-payload": (
        "UNLISTED_FILE",
        lambda b: (b / "data" / "docs" / "extra.md").write_text("x"),
    ),
    "missing-payload": ("MISSING_FILE", lambda b: (b / "data" / "docs" / "notes.md").unlink()),
    "edited-bag-info": ("CHECKSUM_MISMATCH", lambda b: flip(b / "bag-info.txt", 0)),
    "edited-manifest": ("CHECKSUM_MISMATCH", lambda b: flip(b / "manifest-sha256.txt", 0)),
    "edited-bagit-txt": (
        "BAG_INVALID",
        lambda b: (b / "bagit.txt").write_text("BagIt-Version: 2.0\n"),
    ),
    "unlisted-tag-file": ("UNLISTED_FILE", lambda b: (b / "notes.txt").write_text("hidden")),
    "fetch-txt": (
        "BAG_FETCH",
        lambda b: (b / "fetch.txt").write_text("https://example.org/x - data/x\n"),
    ),
    "oversized-bag-info": (
        "TAG_FILE_TOO_LARGE",
        lambda b: (b / "bag-info.txt").write_bytes(b"A: b\n" * (2 << 20)),
    ),
    "no-tagmanifest": ("BAG_MANIFEST_MISSING", lambda b: (b / "tagmanifest-sha256.txt").unlink()),
    "extra-md5-manifest": ("BAG_ALGORITHM", lambda b: (b / "manifest-md5.txt").write_text("")),
    "uppercase-hex": (
        "BAG_MANIFEST_INVALID",
        lambda b: (
            (b / "manifest-sha256.txt").write_text(
                (b / "manifest-sha256.txt")
                .read_text()
                .upper()
                .replace("DATA/", "data/")
                .replace("BUNDLE.YAML", "bundle.yaml")
                .replace("DOCS/NOTES.MD", "docs/notes.md")
            ),
            rewrite_tagmanifest(b),
        ),
    ),
    "tab-separator": (
        "BAG_MANIFEST_INVALID",
        lambda b: (
            (b / "manifest-sha256.txt").write_text(
                (b / "manifest-sha256.txt").read_text().replace("  ", "\t")
            ),
            rewrite_tagmanifest(b),
        ),
    ),
    "listed-outside-data": (
        "BAG_MANIFEST_INVALID",
        lambda b: (
            (b / "manifest-sha256.txt").open("a").write(f"{'0' * 64}  bagit.txt\n"),
            rewrite_tagmanifest(b),
        ),
    ),
    "listed-traversal": (
        "PATH_TRAVERSAL",
        lambda b: (
            (b / "manifest-sha256.txt").open("a").write(f"{'0' * 64}  data/../../etc/passwd\n"),
            rewrite_tagmanifest(b),
        ),
    ),
    "listed-twice": (
        "DUPLICATE_ENTRY",
        lambda b: (
            (b / "manifest-sha256.txt").write_text((b / "manifest-sha256.txt").read_text() * 2),
            rewrite_tagmanifest(b),
        ),
    ),
    "oxum-mismatch": (
        "BAG_OXUM_MISMATCH",
        lambda b: ((b / "bag-info.txt").write_text("Payload-Oxum: 1.1\n"), rewrite_tagmanifest(b)),
    ),
    "remanifested-extra-payload": (
        "BAG_OXUM_MISMATCH",
        lambda b: ((b / "data" / "docs" / "extra.md").write_text("x"), remanifest(b)),
    ),
    "symlink-in-payload": (
        "SYMLINK",
        lambda b: (b / "data" / "docs" / "l.md").symlink_to("/etc/passwd"),
    ),
    "fifo-in-payload": ("SPECIAL_FILE", lambda b: os.mkfifo(b / "data" / "docs" / "pipe.md")),
    "fifo-as-tag-file": ("SPECIAL_FILE", lambda b: os.mkfifo(b / "extra-tags.txt")),
    "hardlink-in-payload": (
        "HARDLINK",
        lambda b: os.link(b / "data" / "docs" / "notes.md", b / "data" / "n2.md"),
    ),
    "signature-not-dsse": (
        "SIGNATURE_INVALID",
        lambda b: ((b / "signatures").mkdir(), (b / "signatures" / "x.txt").write_text("x")),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tampered_bag_is_rejected(tmp_path: Path, name: str) -> None:
    code, mutate = CASES[name]
    bag = sealed(tmp_path)
    mutate(bag)
    assert_rejected(Workspace(tmp_path).run("validate", bag), code)


def test_weak_algorithm_only_bag_is_rejected(tmp_path: Path) -> None:
    source = working_bundle(tmp_path / "work")
    bagit = pytest.importorskip("bagit", reason="test extra: bagit creates bags")
    bagit.make_bag(str(source), checksums=["md5"])
    assert_rejected(Workspace(tmp_path).run("validate", source), "BAG_ALGORITHM")


def test_sha1_only_manual_bag_is_rejected(tmp_path: Path) -> None:
    bag = manual_bag(tmp_path / "bag", PAYLOAD, algorithm="sha1")
    assert_rejected(Workspace(tmp_path).run("validate", bag), "BAG_ALGORITHM")


def test_rezipped_bag_with_changed_payload_is_rejected(tmp_path: Path) -> None:
    """A zip whose CRCs are right but whose payload differs from the bag manifest."""
    bag = sealed(tmp_path)
    members = []
    for path in sorted(bag.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "notes.md":
                data = data.replace(b"Some", b"Same")
            members.append(Member(path.relative_to(bag).as_posix(), data, method=8))
    archive = tmp_path / "bag.zip"
    archive.write_bytes(build_zip(members))
    assert_rejected(Workspace(tmp_path).run("validate", archive), "CHECKSUM_MISMATCH")


def test_zip_of_a_bag_folder_with_top_folder_is_accepted(tmp_path: Path) -> None:
    bag = sealed(tmp_path)
    members = [
        Member(f"top/{path.relative_to(bag).as_posix()}", path.read_bytes(), method=8)
        for path in sorted(bag.rglob("*"))
        if path.is_file()
    ]
    archive = tmp_path / "bag.zip"
    archive.write_bytes(build_zip(members))
    outcome = Workspace(tmp_path).run("validate", archive)
    assert outcome.code == 0, outcome.stderr
    assert_budget(outcome)
