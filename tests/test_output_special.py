"""`-o` naming a device or a FIFO: written in place, never replaced by a renamed file (a
rename over /dev/null made it a regular file for every later program on the machine)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES, run_cli

BUNDLE = EXAMPLES / "compliant"


def test_dev_null_stays_a_device() -> None:
    null = Path("/dev/null")
    if not null.is_char_device():
        pytest.skip("/dev/null is not a device on this machine")
    done = run_cli("check", BUNDLE, "--as-of", AS_OF, "--format", "json", "-o", null)
    assert done.code == 0, done.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_fifo_with_a_reader_gets_the_report(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read)
    reader.start()
    done = run_cli("check", BUNDLE, "--as-of", AS_OF, "--format", "json", "-o", fifo)
    reader.join(timeout=60)
    assert done.code == 0, done.stderr
    assert received and received[0].startswith(b"{")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_fifo_without_a_reader_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "nobody.fifo"
    os.mkfifo(fifo)
    done = run_cli("check", BUNDLE, "--as-of", AS_OF, "--format", "json", "-o", fifo, timeout=60)
    assert done.code == 3 and done.stderr.startswith("error OUTPUT_INVALID"), done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
