"""Dutch throughout, from one message catalogue (engine/normenkader/messages/).

The catalogue holds every key in both languages with the same fields; every key the code
asks for exists; every documented error code has a meaning in both languages; and the
real command line, in Dutch, prints no English status, heading, severity or engine reason.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF, EXAMPLES, ROOT, run_cli
from normenkader.messages import CATALOGUE, default_lang, text, texts

PACKAGE = ROOT / "engine" / "normenkader"

#: English a Dutch reader must never see: status tags and words, headings, severities,
#: the engine's reasons and the check kinds' own words
ENGLISH_TAGS = re.compile(r"\b(FAIL|MISSING|BLOCKED|REVIEW|PASS|WAIVED|ERROR|NEW)\b")
ENGLISH_STATUS = re.compile(
    r"(?<![\w-])(fail|missing|blocked|review|pass|waived|not_applicable|not applicable)(?![\w-])"
)
ENGLISH_PHRASES = (
    "evidence not usable",
    "no evidence of kind",
    "no evidence with id",
    "older than",
    "is dated after",
    "has no date",
    "is invalid",
    "blocked: prerequisite",
    "blocked by",
    "root cause",
    "does not apply",
    "not in force",
    "nothing to answer",
    "is not answered",
    "checks hold",
    "judgement required",
    "could not be evaluated",
    "check raised",
    "Findings that need action",
    "No findings need action",
    "set aside",
    "[blocker]",
    "[major]",
    "[minor]",
    "evidence:",
    "offending",
    "unsigned",
    "attested by",
    "as of",
    "bundle:",
    "system:",
    "profile:",
    "Notices",
    "goes stale",
    "solely or decisively",
    "suspect ground",
    "not traceable",
    "association",
    "legally relevant",
    " vs ",
    " band ",
    "n/a",
)


def english_in(output: str) -> list[str]:
    """Every line of ``output`` with English in it, with what was found."""
    found = []
    for line in output.splitlines():
        hits = ENGLISH_TAGS.findall(line) + ENGLISH_STATUS.findall(line)
        hits += [phrase for phrase in ENGLISH_PHRASES if phrase in line]
        if hits:
            found.append(f"{hits}: {line.strip()[:200]}")
    return found


# -- the catalogue itself --------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_key_has_dutch_and_english_with_the_same_fields() -> None:
    assert len(CATALOGUE) > 300
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"en", "nl"}, key
        assert entry["nl"].strip(), f"{key} has no Dutch"
        assert entry["en"].strip(), f"{key} has no English"
        assert _fields(entry["nl"]) == _fields(entry["en"]), f"{key}: fields differ"


def test_a_missing_translation_is_caught() -> None:
    """The check above is real: an entry without Dutch (or with other fields) fails it."""
    broken = {"x.no_dutch": {"en": "text", "nl": ""}, "x.fields": {"en": "{a}", "nl": "{b}"}}
    problems = [
        key
        for key, entry in broken.items()
        if not entry["nl"].strip() or _fields(entry["nl"]) != _fields(entry["en"])
    ]
    assert problems == ["x.no_dutch", "x.fields"]


def test_every_key_the_code_asks_for_exists() -> None:
    """Literal keys passed to text()/texts() (or their ``message`` alias) anywhere in the
    package are in the catalogue: a typo is a test failure, not a KeyError for a user."""
    call = re.compile(r"\b(?:texts?|message)\(\s*\"([a-z][a-z0-9_]*\.[a-z0-9_.]+)\"")
    asked = {
        (path.relative_to(ROOT).as_posix(), key)
        for path in PACKAGE.rglob("*.py")
        for key in call.findall(path.read_text("utf-8"))
    }
    assert len(asked) > 60
    unknown = sorted((path, key) for path, key in asked if key not in CATALOGUE)
    assert unknown == []


def test_every_documented_error_code_has_a_meaning_in_both_languages() -> None:
    doc = (ROOT / "docs" / "error-codes.md").read_text("utf-8")
    codes = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", doc, flags=re.MULTILINE))
    assert len(codes) > 100
    missing = sorted(code for code in codes if f"error.{code}" not in CATALOGUE)
    assert missing == []


def test_fields_may_carry_both_languages() -> None:
    problems = {"en": "x: no evidence of kind 'dpia'", "nl": "x: geen bewijs van soort 'dpia'"}
    both = texts("engine.evidence_not_usable", problems=problems)
    assert both == {
        "en": "evidence not usable: x: no evidence of kind 'dpia'",
        "nl": "bewijs niet bruikbaar: x: geen bewijs van soort 'dpia'",
    }
    assert text("status.fail", "nl") == "voldoet niet"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"NORMENKADER_LANG": "nl"}, "nl"),
        ({"NORMENKADER_LANG": "NL"}, "nl"),
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
        ({"LC_ALL": "C", "LANG": "nl_NL.UTF-8"}, "en"),  # LC_ALL comes first (POSIX)
        ({"NORMENKADER_LANG": "en", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"NORMENKADER_LANG": "fr", "LANG": "nl_NL.UTF-8"}, "nl"),  # unknown: the locale
    ],
)
def test_default_language(environ: dict[str, str], expected: str) -> None:
    assert default_lang(environ) == expected


# -- the real command line, in Dutch -----------------------------------------------------

CASES = [
    ("compliant", AS_OF),
    ("compliant", "2027-06-01"),  # evidence too old: the periods in words
    ("fsv", AS_OF),
    ("selectie-bias", AS_OF),
    ("toeslagen", AS_OF),
    ("toeslagen", "2020-01-01"),  # evidence dated after the as-of date
]


@pytest.mark.parametrize(("example", "as_of"), CASES)
def test_check_in_dutch_has_no_english(example: str, as_of: str) -> None:
    run = run_cli("check", EXAMPLES / example, "--as-of", as_of, "--lang", "nl", "--no-color")
    assert run.code in (0, 1), run.stderr
    assert "Bevindingen die actie vragen:" in run.stdout
    assert english_in(run.stdout) == []
    # the scan is real: the same run in English is full of it
    english = run_cli("check", EXAMPLES / example, "--as-of", as_of, "--lang", "en", "--no-color")
    assert english_in(english.stdout)


def test_dutch_terminal_words(tmp_path: Path) -> None:
    run = run_cli("check", EXAMPLES / "toeslagen", "--as-of", AS_OF, "--lang", "nl", "--no-color")
    out = run.stdout
    assert re.search(r"^set +afwijking +ontbreekt +geblokkeerd +fout +oordeel", out, re.M)
    assert "  AFWIJKING    NK.DISC.01 [blokkerend] " in out
    assert "  ONTBREEKT    NK.PRIV.11 [blokkerend] " in out
    assert "bewijs niet bruikbaar: analysis: geen bewijs van soort 'art22-analysis'" in out
    assert "  GEBLOKKEERD  8: " in out
    assert "t.o.v. nationality_group=NL" in out and "marge [0.8, 1.25]" in out
    late = run_cli(
        "check", EXAMPLES / "compliant", "--as-of", "2027-06-01", "--lang", "nl", "--no-color"
    )
    assert re.search(
        r"van \d{4}-\d\d-\d\d is ouder dan \d+ (jaar|maanden|maand) op 2027-06-01", late.stdout
    )
    # the JSON keeps both texts and the ISO period
    result = json.loads(
        run_cli("check", EXAMPLES / "compliant", "--as-of", "2027-06-01", "--format", "json").stdout
    )
    stale = [f for f in result["findings"] if f["reason"] == "evidence_stale"]
    assert stale
    assert "is older than P" in stale[0]["message"]["en"]
    assert "is ouder dan P" in stale[0]["message"]["nl"]


@pytest.mark.parametrize(
    "env",
    [
        {"NORMENKADER_LANG": "nl"},
        {"NORMENKADER_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "nl_NL.UTF-8"},
    ],
)
def test_environment_selects_dutch(env: dict[str, str]) -> None:
    run = run_cli("check", EXAMPLES / "compliant", "--as-of", AS_OF, "--no-color", env=env)
    assert run.stdout.startswith("normenkader toets "), run.stdout[:200]
    assert english_in(run.stdout) == []
    # --lang wins over the environment
    forced = run_cli(
        "check", EXAMPLES / "compliant", "--as-of", AS_OF, "--no-color", "--lang", "en", env=env
    )
    assert forced.stdout.startswith("normenkader check ")


def test_error_lines_keep_the_code_and_say_it_in_dutch(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    nl = run_cli("check", missing, "--lang", "nl")
    en = run_cli("check", missing, "--lang", "en")
    assert nl.code == en.code == 3
    assert nl.stderr.startswith(f"error BUNDLE_UNREADABLE: {missing}: de bundel is niet te openen")
    assert en.stderr.startswith(f"error BUNDLE_UNREADABLE: {missing}: ")
    assert "de bundel" not in en.stderr
    # a bad path in bundle.yaml: the code's Dutch meaning, then the detail
    bundle = tmp_path / "b"
    bundle.mkdir()
    manifest = yaml.safe_load((EXAMPLES / "compliant" / "bundle.yaml").read_text("utf-8"))
    manifest["evidence"] = [
        {"id": "mc", "kind": "model-card", "path": "model//x.yaml", "date": "2026-01-01"}
    ]
    (bundle / "bundle.yaml").write_text(yaml.safe_dump(manifest), "utf-8")
    run = run_cli("validate", bundle, "--lang", "nl")
    assert run.code == 3
    assert re.match(r"error PATH_INVALID: \S*bundle\.yaml:\d+:\d+: ongeldig pad \(", run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1


def _result(example: str, as_of: str, target: Path) -> Path:
    run = run_cli("check", EXAMPLES / example, "--as-of", as_of, "--format", "json", "-o", target)
    assert run.code in (0, 1), run.stderr
    return target


def test_diff_in_dutch(tmp_path: Path) -> None:
    old = _result("compliant", AS_OF, tmp_path / "old.json")
    new = _result("compliant", "2027-06-01", tmp_path / "new.json")
    run = run_cli("diff", old, new, "--lang", "nl")
    assert run.code == 1, run.stderr
    for heading in ("nieuwe problemen:", "opgelost:", "gewijzigd:", "nieuwe fouten:"):
        assert heading in run.stdout
    assert "oud: gm9999-ex-compliant-2026-001" in run.stdout and " peildatum " in run.stdout
    assert "voldoet/alle controles voldoen -> bewijs ontbreekt/bewijs te oud" in run.stdout
    assert english_in(run.stdout) == []
    english = run_cli("diff", old, new, "--lang", "en").stdout
    assert (
        "new problems:" in english and "pass/all_checks_hold -> missing/evidence_stale" in english
    )


def test_coverage_in_dutch() -> None:
    run = run_cli("coverage", "--lang", "nl")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("normen: ")
    assert "maatregelen waarnaar normen verwijzen: " in run.stdout
    assert "sterkste verwijzing per geciteerd onderdeel: " in run.stdout
    for english in ("measures cited", "strongest link", " items: ", "norms: "):
        assert english not in run.stdout


def test_waivers_lint_in_dutch(tmp_path: Path) -> None:
    file = tmp_path / "waivers.yaml"
    waivers = [
        {
            "id": waiver_id,
            "norm": norm,
            "scope": {"system": "gm9999-ex"},  # its own mapping: no YAML alias
            "justification": "Board approval is scheduled for the next meeting.",
            "author": "J. de Vries",
            "approver": "M. Bakker",
            "issued": "2026-10-01",
            "expires": expires,
        }
        for waiver_id, norm, expires in (
            ("W-1", "NK.TST.77", "2027-06-30"),
            ("W-2", "NK.GOV.07", "2026-11-01"),
        )
    ]
    file.write_text(yaml.safe_dump({"version": 1, "waivers": waivers}, sort_keys=False))
    run = run_cli("waivers", "lint", file, "--as-of", AS_OF, "--lang", "nl")
    assert run.code == 1, run.stderr
    assert run.stderr.strip().endswith(": 2 fouten, 0 waarschuwingen")
    assert ": fout waiver_refused (unknown_norm)" in run.stdout
    assert "[niet ondertekend]" in run.stdout
    assert "errors" not in run.stderr and "[unsigned]" not in run.stdout
    english = run_cli("waivers", "lint", file, "--as-of", AS_OF, "--lang", "en")
    assert english.stderr.strip().endswith(": 2 errors, 0 warnings")


def test_validate_lint_and_test_in_dutch() -> None:
    run = run_cli("validate", EXAMPLES / "compliant", "--lang", "nl")
    assert run.code == 0, run.stderr
    assert re.match(
        r"bundel \S+: \w+, \d+ bestanden, \d+ bewijsstukken, digest sha256:", run.stdout
    )
    assert " files, " not in run.stdout
    lint = run_cli("lint", "--lang", "nl")
    assert lint.code == 0 and lint.stdout.strip().endswith("normbestand(en) in orde")


def test_every_printing_command_takes_lang() -> None:
    commands = [
        ["check"], ["validate"], ["init"], ["lint"], ["graph"], ["explain"], ["seal"],
        ["keygen"], ["sign"], ["attest"], ["verify"], ["test"], ["coverage"], ["diff"],
        ["waivers", "lint"], ["waivers", "sign"], ["assess"],
    ]  # fmt: skip
    for command in commands:
        run = run_cli(*command, "--help")
        assert run.code == 0, (command, run.stderr)
        assert "--lang [en|nl]" in run.stdout, command
