"""Run the real CLI on hostile input in a subprocess with time and memory limits.

The child gets its own TMPDIR (where staging happens) inside the test's folder, an address
space limit and a CPU limit; its peak RSS and wall time are measured. A snapshot of the
test folder taken before and after shows that nothing was written outside staging (which
must be gone again) and the chosen output.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MEMORY_LIMIT = 2 << 30  # address space of the child
CPU_SECONDS = 60
WALL_SECONDS = 90.0
#: budget a hostile input must stay within (generous: 2 shared cores, cold imports)
RSS_BUDGET_KIB = 400 * 1024
TIME_BUDGET_S = 45.0

_WRAPPER = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'\\nMAXRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "from normenkader.cli import main\n"
    "main(sys.argv[1:])\n"
)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    max_rss_kib: int
    seconds: float

    @property
    def error_code(self) -> str | None:
        for line in self.stderr.splitlines():
            if line.startswith("error "):
                return line.split()[1].rstrip(":")
        return None


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def snapshot(folder: Path) -> set[str]:
    found = set()
    for current, dirs, names in os.walk(folder):
        for name in dirs + names:
            found.add(os.path.relpath(os.path.join(current, name), folder))
    return found


def run_cli(args: list[str | Path], workspace: Path) -> Outcome:
    """Run ``normenkader ARGS`` with cwd and TMPDIR inside ``workspace``."""
    tmp = workspace / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp), NORMENKADER_NO_CACHE="1", PYTHONDONTWRITEBYTECODE="1")
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workspace,
        timeout=WALL_SECONDS,
        preexec_fn=_limits,
    )
    seconds = time.perf_counter() - started
    rss = 0
    lines = []
    for line in completed.stderr.splitlines():
        if line.startswith("MAXRSS "):
            rss = int(line.split()[1])
        elif line:
            lines.append(line)
    return Outcome(completed.returncode, completed.stdout, "\n".join(lines), rss, seconds)


def assert_rejected(outcome: Outcome, code: str) -> None:
    """Exit 3, one line ``error CODE: ...``, no traceback, within the budget."""
    assert outcome.code == 3, (outcome.code, outcome.stderr)
    assert outcome.error_code == code, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert_budget(outcome)


def assert_budget(outcome: Outcome) -> None:
    assert 0 < outcome.max_rss_kib < RSS_BUDGET_KIB, outcome.max_rss_kib
    assert outcome.seconds < TIME_BUDGET_S, outcome.seconds


def assert_nothing_written(
    workspace: Path, before: set[str], allowed: set[str] | None = None
) -> None:
    """Staging is gone and no new file exists anywhere in the workspace."""
    after = snapshot(workspace)
    new = after - before - (allowed or set())
    assert new == set(), sorted(new)
    assert list((workspace / "tmp").iterdir()) == []


class Workspace:
    """A test folder whose every CLI run is checked for stray files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def run(self, *args: str | Path, allowed: set[str] | None = None) -> Outcome:
        before = snapshot(self.root)
        outcome = run_cli(list(args), self.root)
        assert_nothing_written(self.root, before, allowed)
        return outcome
