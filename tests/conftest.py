"""Shared test helpers: the real CLI in a subprocess, and copies of fixture bundles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ENGINE_NORMS = FIXTURES / "engine" / "norms"
ENGINE_BUNDLE = FIXTURES / "engine" / "bundle"
EXAMPLES = ROOT / "evidence" / "examples"
AS_OF = "2026-11-29"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> Run:
    """Run the real `normenkader` command line in a fresh interpreter."""
    full_env = dict(os.environ)
    full_env.setdefault("NORMENKADER_NO_CACHE", "")
    # English unless a test asks otherwise: the machine's locale never changes a result
    full_env["NORMENKADER_LANG"] = "en"
    if env:
        full_env.update(env)
    completed = subprocess.run(
        [sys.executable, "-m", "normenkader", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def keygen_entry(
    folder: Path, name: str, organisation: str, *roles: str, person: str | None = None
) -> tuple[Path, dict[str, object]]:
    """A key pair made by the real `normenkader keygen` (valid from 2026-01-01): the private
    key's path and the trusted-keys entry it prints."""
    args: list[str | Path] = ["keygen", folder / name, "--organisation", organisation]
    if person:
        args += ["--person", person]
    for role in roles:
        args += ["--role", role]
    made = run_cli(*args, "--valid-from", "2026-01-01")
    assert made.code == 0, made.stderr
    lines = [line for line in made.stdout.splitlines() if not line.startswith("#")]
    return folder / f"{name}.key", dict(yaml.safe_load("\n".join(lines))[0])


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A writable copy of the engine test bundle."""
    target = tmp_path / "bundle"
    shutil.copytree(ENGINE_BUNDLE, target)
    return target


@pytest.fixture
def norms(tmp_path: Path) -> Path:
    """A writable copy of the engine test norms."""
    target = tmp_path / "norms"
    shutil.copytree(ENGINE_NORMS, target)
    return target


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the compiled norm-set cache out of the user's home."""
    monkeypatch.setenv("NORMENKADER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nk-cache"))


def edit_yaml(path: Path, change: object) -> None:
    """Load a YAML file, let ``change`` mutate the data, write it back."""
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
