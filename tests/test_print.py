"""A report that prints (issue 13 item 8): ``check --format pdf`` through headless Chromium,
the toeslagen report on at most 20 A4 pages (about 80 before the print styles), a clear
``PDF_UNAVAILABLE`` without a browser, and a printed body without CEL or internal keys.

The PDF tests skip with a clear message where Chromium is not installed (CI installs it in
.ci/run). Pages are counted without a PDF library: Chromium writes one ``/Type /Page``
object per page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES, run_cli

BROWSER = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
     if shutil.which(name)),
    None,
)  # fmt: skip
MAX_PAGES = 20


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def pdf(example: str, lang: str, tmp_path: Path) -> bytes:
    if BROWSER is None:
        pytest.skip("no Chromium on PATH (apt-get install -y chromium): PDF not tested")
    target = tmp_path / f"{example}-{lang}.pdf"
    run = run_cli(
        "check", EXAMPLES / example, "--as-of", AS_OF, "--lang", lang, "--format", "pdf",
        "-o", target, timeout=300,
    )  # fmt: skip
    assert run.code == 1, run.stderr
    assert str(target) in run.stderr
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    return data


def test_page_counting_works() -> None:
    assert pages(b"<< /Type /Pages /Kids [] >> << /Type /Page >> <</Type/Page>>") == 2


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_toeslagen_report_prints_on_at_most_20_pages(lang: str, tmp_path: Path) -> None:
    data = pdf("toeslagen", lang, tmp_path)
    assert 5 <= pages(data) <= MAX_PAGES, pages(data)


def test_the_printed_report_keeps_content_and_hides_internals(tmp_path: Path) -> None:
    data = pdf("toeslagen", "en", tmp_path)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: printed text not read")
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    ids = set(re.findall(r"NK\.[A-Z]+\.\d+", text))
    html = tmp_path / "r.html"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--format", "html", "-o", html)
    assert ids >= set(re.findall(r'<article class="finding [^"]*" id="(NK\.[A-Z]+\.\d+)"',
                                 html.read_text("utf-8")))  # fmt: skip
    assert "Index of findings" in text
    for internal in ("&&", "has(", "profile.automated_selection", "all_checks_hold"):
        assert internal not in text, internal
    assert "P1Y" not in text and "T00:00:00" not in text


def test_pdf_without_a_browser_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    target = tmp_path / "r.pdf"
    run = run_cli(
        "check", EXAMPLES / "compliant", "--as-of", AS_OF, "--format", "pdf", "-o", target,
        env={"PATH": str(empty)},
    )  # fmt: skip
    assert run.code == 3
    assert run.stderr.startswith("error PDF_UNAVAILABLE: ")
    assert not target.exists()


def test_pdf_needs_an_output_file() -> None:
    run = run_cli("check", EXAMPLES / "compliant", "--as-of", AS_OF, "--format", "pdf")
    assert run.code == 3 and run.stderr.startswith("error USAGE: --format pdf needs -o")


def test_print_styles_are_in_the_html(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--format", "html", "-o", html)
    page = html.read_text("utf-8")
    style = page.split("@media print", 1)[1]
    for rule in ("@page { size: A4", "break-before: page", "columns: 2", ".internal"):
        assert rule in style, rule
    index = page.split('<section id="index">', 1)[1].split("</section>", 1)[0]
    assert index.count('<a href="#NK.') == page.count('<article class="finding ')
    # the applicability condition (CEL) of a not-applicable finding is not printed; the
    # pdftotext test above reads the printed words where poppler is installed
    assert ".finding.f-not_applicable .msg { display: none; }" in style
    assert "has(profile." in page  # on screen and in JSON it stays
