"""Property-based and fuzz tests: tampering is always detected, loaders never crash."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.trees import BUNDLE_YAML, working_bundle
from normenkader.errors import InputError
from normenkader.evidence.bag import parse_manifest
from normenkader.evidence.bundle import bundle_digest, open_bundle
from normenkader.evidence.ingest import Limits
from normenkader.evidence.seal import seal_bundle
from normenkader.evidence.signing import load_trusted_keys, open_envelope
from normenkader.evidence.staging import stage

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sealed")
    source = working_bundle(root / "work", {"model/card.yaml": b"name: m\nfeatures: []\n"})
    with tempfile.TemporaryDirectory() as staging:
        seal_bundle(source, root / "bag", None, Path(staging))
        seal_bundle(source, root / "bag.zip", None, Path(staging))
    return {"bag": root / "bag", "zip": root / "bag.zip"}


def _files(bag: Path) -> list[Path]:
    return sorted(p for p in bag.rglob("*") if p.is_file())


@SETTINGS
@given(data=st.data())
def test_any_single_byte_change_in_a_sealed_bag_is_detected(
    sealed: dict[str, Path], data: st.DataObject
) -> None:
    files = _files(sealed["bag"])
    chosen = data.draw(st.sampled_from(files), label="file")
    content = chosen.read_bytes()
    offset = data.draw(st.integers(0, len(content) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "bag"
        shutil.copytree(sealed["bag"], copy)
        target = copy / chosen.relative_to(sealed["bag"])
        changed = bytearray(content)
        changed[offset] ^= mask
        target.write_bytes(bytes(changed))
        work = Path(scratch) / "work"
        work.mkdir()
        with pytest.raises(InputError):
            stage(copy, Limits(), work)


@SETTINGS
@given(data=st.data())
def test_a_changed_zip_is_rejected_or_yields_the_very_same_bundle(
    sealed: dict[str, Path], data: st.DataObject
) -> None:
    """Bytes of a zip outside any member's content (times, attributes) are not evidence:
    changing one may be accepted, but then the staged bundle is byte-for-byte the same."""
    original = sealed["zip"].read_bytes()
    offset = data.draw(st.integers(0, len(original) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(original)
    changed[offset] ^= mask
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "bag.zip"
        archive.write_bytes(bytes(changed))
        work = Path(scratch) / "work"
        work.mkdir()
        try:
            tree = stage(archive, Limits(), work)
        except InputError:
            return
        reference = stage(sealed["zip"], Limits(), work)
        assert tree.files == reference.files
        assert bundle_digest(tree.files) == bundle_digest(reference.files)


@SETTINGS
@given(
    manifest=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=10), children, max_size=4)
            ),
            max_leaves=30,
        ).map(
            lambda v: json.dumps({"bundle": v, "system": v, "profile": v, "evidence": v}).encode()
        ),
    )
)
def test_bundle_loader_never_crashes(tmp_path: Path, manifest: bytes) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        root = working_bundle(Path(scratch) / "b", {"bundle.yaml": manifest})
        work = Path(scratch) / "work"
        work.mkdir()
        with contextlib.suppress(InputError):
            open_bundle(root, Limits(), work)


@SETTINGS
@given(
    text=st.one_of(
        st.binary(max_size=3000),
        st.lists(
            st.tuples(
                st.text("0123456789abcdefABCDEF", min_size=60, max_size=66),
                st.sampled_from([" ", "  ", "\t", "   "]),
                st.text(max_size=60),
            ),
            max_size=20,
        ).map(
            lambda rows: "\n".join(a + b + c for a, b, c in rows).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_manifest_parser_never_crashes(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "manifest-sha256.txt"
    path.write_bytes(text)
    try:
        listing = parse_manifest(path, Limits(), "manifest")
    except InputError:
        return
    assert all(len(digest) == 64 for digest in listing.values())


@SETTINGS
@given(
    mutations=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_zip_stager_never_crashes(
    sealed: dict[str, Path], mutations: list[tuple[int, int]]
) -> None:
    changed = bytearray(sealed["zip"].read_bytes())
    for offset, value in mutations:
        changed[offset % len(changed)] = value
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "bag.zip"
        archive.write_bytes(bytes(changed))
        work = Path(scratch) / "work"
        work.mkdir()
        with contextlib.suppress(InputError):
            stage(archive, Limits(), work)


@SETTINGS
@given(
    envelope=st.one_of(
        st.binary(max_size=500),
        st.dictionaries(
            st.sampled_from(["payloadType", "payload", "signatures", "x"]),
            st.one_of(
                st.text(max_size=40),
                st.lists(
                    st.dictionaries(st.sampled_from(["keyid", "sig"]), st.text(max_size=40)),
                    max_size=3,
                ),
            ),
            max_size=4,
        ).map(lambda d: json.dumps(d).encode()),
    )
)
def test_envelope_parser_never_crashes(tmp_path: Path, envelope: bytes) -> None:
    keys = tmp_path / "trusted.json"
    keys.write_text('{"keys": []}')
    with contextlib.suppress(InputError):
        open_envelope(envelope, load_trusted_keys(keys), "sig")


def test_stage_without_workdir_uses_a_private_temporary_folder(tmp_path: Path) -> None:
    root = working_bundle(tmp_path / "b")
    tree = stage(root, Limits(), None)
    assert tree.root.name.startswith("tree-")
    assert tree.root.parent.name.startswith("normenkader-stage-")
    assert not tree.root.is_relative_to(tmp_path)
    assert (tree.root / "bundle.yaml").read_bytes() == BUNDLE_YAML


def test_zipfile_written_bundle_with_top_folder(tmp_path: Path) -> None:
    """A zip made by an ordinary tool (Python's zipfile) of a folder is accepted."""
    root = working_bundle(tmp_path / "b")
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(root.rglob("*")):
            out.write(path, "b/" + path.relative_to(root).as_posix())
    work = tmp_path / "work"
    work.mkdir()
    tree = stage(archive, Limits(), work)
    folder = stage(root, Limits(), work)
    assert tree.form == "zip" and bundle_digest(tree.files) == bundle_digest(folder.files)
