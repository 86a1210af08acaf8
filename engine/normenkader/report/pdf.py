"""``check --format pdf``: the HTML report printed to A4 by a headless Chromium.

The browser is found on PATH (chromium, chromium-browser, google-chrome); without one the
run stops with ``error PDF_UNAVAILABLE`` before any work and no file is written. The page
and the browser profile live in a private temporary folder that is removed afterwards;
the browser gets no network (the report's CSP forbids it anyway) and a time limit.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def find_browser() -> str:
    """The first headless-capable browser on PATH, else ``error PDF_UNAVAILABLE``."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise InputError(
        "PDF_UNAVAILABLE",
        "no Chromium found on PATH (chromium, chromium-browser or google-chrome); "
        "install one or write --format html and print that",
    )


def print_pdf(browser: str, page: str) -> bytes:
    """The PDF bytes of an HTML page (A4 via the page's own @page rule)."""
    with tempfile.TemporaryDirectory(prefix="normenkader-pdf-") as folder:
        root = Path(folder)
        root.chmod(0o700)
        source, target = root / "report.html", root / "report.pdf"
        source.write_text(page, "utf-8")
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={root / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            run = subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise InputError(
                "PDF_UNAVAILABLE", f"{browser} did not print within {TIMEOUT_SECONDS} s"
            ) from None
        except OSError as problem:
            raise InputError("PDF_UNAVAILABLE", f"{browser} could not start: {problem}") from None
        data = target.read_bytes() if target.is_file() else b""
        if run.returncode != 0 or not data.startswith(b"%PDF-"):
            detail = run.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["-"]
            raise InputError(
                "PDF_UNAVAILABLE",
                f"{browser} did not print the report (exit {run.returncode}): {detail[0][:200]}",
            )
        return data
