"""The supervisor's HTML report: escaping, self-containment, nl/en, and a real headless
Chromium that renders it without console errors and takes a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit_bundle_fixtures import AS_OF, write_bundle, write_norms
from audit_report_fixtures import HOSTILE, sample_result
from conftest import EXAMPLES, run_cli
from normenkader.report import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--enable-logging=stderr",
    "--v=0",
]


class Elements(HTMLParser):
    """Collects tags, attributes and text as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    return parser


def test_bundle_text_is_escaped_everywhere() -> None:
    result = sample_result()
    result.findings[0].facts = {"profile.note": "<img src=x onerror=alert(1)>"}
    result.findings[0].evidence[0].problem = "</td><script>alert(2)</script>"
    page = html.render(result, lang="en", norm_set=None)
    seen = parse(page)
    tags = {tag for tag, _ in seen.tags}
    assert "script" not in tags and "img" not in tags
    assert not any(k.startswith("on") for _, attrs in seen.tags for k in attrs)
    text = "".join(seen.text)
    assert HOSTILE in text  # shown as text, verbatim
    assert "<img src=x onerror=alert(1)>" in text
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    )


def test_self_contained_no_network() -> None:
    page = html.render(sample_result(), lang="en", norm_set=None)
    seen = parse(page)
    for tag, attrs in seen.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed", "img"), tag
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    assert not re.search(r"url\((?!#)", page)  # no CSS fetches
    assert "@import" not in page
    csp = next(
        a["content"]
        for t, a in seen.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp


def test_content_of_the_report() -> None:
    page = html.render(sample_result(), lang="en", norm_set=None)
    text = re.sub(r"\s+", " ", "".join(parse(page).text))
    for expected in (
        "Per set",
        "Per severity",
        "Per catalogue requirement",
        "urn:nl:ak:ver:grw-02",
        "AVG art. 35",
        "model/model_card.yaml",
        "a" * 64,
        "/features",  # evidence + read
        "B<i>",
        "1.25",  # metric table of the group_metric check (escaped group name)
        "Approved by",
        "2027-03-31",  # waiver
        "S. Upervisor",  # judgement
        "profile.automated_selection",  # facts
        "Root cause",
    ):
        assert expected in text, expected
    # nested metric records become one table with dotted columns (a break opportunity after
    # each dot, for print) and value [interval]
    assert "<th>rates.<wbr>fnr</th>" in page
    assert "<td>0.4 [0.3, 0.5]</td>" in page
    assert "<td>g=A</td>" in page
    # the blocked subtree leads to its root cause: thick red edges, outlined root
    assert page.count('stroke="#b71c1c"') == 2
    assert re.search(r'<rect[^>]*stroke="#000"', page)
    svg_links = re.findall(r'<a href="#(NK\.[A-Z]+\.\d+)"><g>', page)
    assert set(svg_links) == {"NK.DATA.01", "NK.DATA.02", "NK.DATA.03", "NK.GOV.02", "NK.GOV.03"}
    nl = html.render(sample_result(), lang="nl", norm_set=None)
    assert "Per normenset" in nl and 'lang="nl"' in nl and "Wettelijke grondslag" in nl


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        html.render(sample_result(), lang="de", norm_set=None)


def chromium(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)")
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_detection_works(tmp_path: Path) -> None:
    """The console check below can fail: a page with an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>"
    )
    run = chromium(page, tmp_path, "--dump-dom")
    assert any("boom" in line for line in console_messages(run.stderr)), run.stderr[-2000:]


def test_renders_in_headless_chromium_without_console_errors(tmp_path: Path) -> None:
    norms, bundle = write_norms(tmp_path), write_bundle(tmp_path, organisation=HOSTILE)
    page = tmp_path / "report.html"
    run = run_cli(
        "check",
        bundle,
        "--norms",
        norms,
        "--as-of",
        AS_OF,
        "--format",
        "html",
        "-o",
        page,
        "--lang",
        "nl",
    )
    assert run.code == 1, run.stderr
    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "Toetsingsrapport normenkader" in dom.stdout
    assert "<script>" not in dom.stdout and "&lt;script&gt;" in dom.stdout
    assert dom.stdout.count('class="finding f-') == 4
    shot = tmp_path / "report.png"
    run_shot = chromium(
        page, tmp_path, "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}"
    )
    assert console_messages(run_shot.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_toeslagen_example_in_chromium(tmp_path: Path) -> None:
    example = EXAMPLES / "toeslagen"
    page = tmp_path / "toeslagen.html"
    run = run_cli("check", example, "--as-of", AS_OF, "--format", "html", "-o", page)
    assert run.code == 1, run.stderr  # a broken example fails here, never skips
    dom = chromium(page, tmp_path, "--dump-dom")
    assert console_messages(dom.stderr) == []
    assert "NK.DISC.01" in dom.stdout and "<svg" in dom.stdout
