"""Every command the README and docs/*.md tell a user to run works as written.

How commands are found (a guide for whoever writes the docs):

* Commands come from fenced code blocks whose language is ``sh``, ``bash``, ``shell`` or
  ``console``. In ``sh``/``bash``/``shell`` blocks every line that is not blank and not a
  comment is a command; in ``console`` blocks only lines starting with ``$ `` are (the
  rest is output). A trailing ``\\`` continues a command on the next line. Usage synopses
  with placeholders belong in an unlabelled or ``text`` fence, which is not run.
* A fenced block whose info string names a file, e.g. ```` ```yaml file=waivers.yaml ````,
  is written to that file (relative to the doc's folder) at its place in the document, so
  the commands after it can read what the reader is told to save.
* A command must exit 0, unless a comment on it says otherwise: ``# exits 1`` (any code,
  anywhere in the trailing comment, e.g. ``# exits 1: the example fails on purpose``).
* The commands of one doc run in document order, in one temporary folder of their own that
  holds a copy of the repository's ``evidence/`` (so ``evidence/examples/...`` works) and
  ``norms/``. A later command sees what an earlier one wrote (keygen, then sign; seal,
  then verify). A plain ``cd DIR`` line changes the folder for the doc's later commands.
* Environment: ``NORMENKADER_TODAY`` is fixed (:data:`TODAY`), the cache is private to this
  test, ``NORMENKADER_LANG=en`` unless the command sets it itself, and ``normenkader`` is
  the CLI installed beside the running interpreter (else ``python -m normenkader``).
* A line is run through bash only when every program in it (each part between ``&&``,
  ``||``, ``;`` and ``|``) is in :data:`RUN`: ``normenkader`` and local, harmless
  commands; its paths may not leave the temporary folder. A line whose programs are all in
  :data:`SKIP` is skipped with the reason given there. Any other line fails this test:
  rewrite it, or add its program to :data:`SKIP` with a reason.
* A block that cannot run here (it needs a server, e.g. a PostgreSQL URL) is fenced as
  ``text``, and the prose says what tests it instead.

A second test checks that every norm id (``NK.SET.NN``), profile name, kind and repository
path the docs mention exists.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
TODAY = "2026-12-02"
TIMEOUT = 120

#: programs a documented line may run: the CLI and local commands that change only files
#: inside the doc's temporary folder
RUN = {"normenkader", "mkdir", "cp", "cd", "echo", "ls", "cat"}

#: programs a documented line may name but this test does not run, and why
SKIP = {
    "python3": "creates the virtual environment this test already runs in",
    "python": "runs the whole test suite (this test is part of it)",
    ".": "activates the virtual environment this test already runs in",
    "source": "activates the virtual environment this test already runs in",
    "pip": "installs from the network; this test uses the normenkader installed here",
    "git": "needs a remote repository",
    "pre-commit": "builds hook environments from the network",
}

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([A-Za-z0-9_+-]*)(.*)$")
_FILE = re.compile(r"\bfile=(\S+)")
_EXITS = re.compile(r"\bexits\s+(\d+)\b")
_CONTROL = {"&&", "||", ";", "|", "&"}
_REDIRECT = {">", ">>", "<", "2>", "2>>"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Command:
    """One documented command: where it is, its text and the exit code it should give."""

    doc: str
    line: int
    text: str
    expected: int
    content: str | None = None  # a block to save as the file ``text`` instead of a command

    @property
    def label(self) -> str:
        return f"{self.doc}:{self.line}"


def _strip_comment(line: str) -> tuple[str, str]:
    """Split a shell line into its command and its trailing ``#`` comment."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip(), line[index + 1 :]
    return line.rstrip(), ""


def extract(doc: Path) -> list[Command]:
    """The commands of the shell blocks of ``doc``, in document order."""
    name = doc.relative_to(ROOT).as_posix() if doc.is_relative_to(ROOT) else doc.name
    commands: list[Command] = []
    fence = ""
    language = ""
    indent = 0
    saved: Command | None = None
    pending: list[str] = []
    start = 0
    comments: list[str] = []
    for number, raw in enumerate(doc.read_text("utf-8").splitlines(), start=1):
        match = _FENCE.match(raw)
        if match and not fence:
            fence, language = match.group(2), match.group(3).lower()
            indent = len(match.group(1))
            target = _FILE.search(match.group(4))
            if target:
                saved = Command(name, number, target.group(1), 0, "")
            continue
        if fence and raw.strip().startswith(fence[:3]) and raw.strip().strip(fence[0]) == "":
            if saved is not None:
                commands.append(saved)
                saved = None
            fence = language = ""
            continue
        if saved is not None:
            saved = Command(name, saved.line, saved.text, 0, f"{saved.content}{raw[indent:]}\n")
            continue
        if not fence or language not in SHELL_LANGUAGES:
            continue
        text = raw.strip()
        if not pending:
            if language == "console":
                if not text.startswith("$ "):
                    continue
                text = text[2:]
            if not text or text.startswith("#"):
                continue
            start = number
        body, comment = _strip_comment(text)
        comments.append(comment)
        if body.endswith("\\"):
            pending.append(body[:-1].rstrip())
            continue
        pending.append(body)
        full = " ".join(part for part in pending if part)
        found = [int(m.group(1)) for c in comments for m in [_EXITS.search(c)] if m]
        commands.append(Command(name, start, full, found[-1] if found else 0))
        pending, comments = [], []
    assert not pending, f"{name}: a command ends with a continuation '\\' at the end of its block"
    return commands


def _segments(text: str) -> list[list[str]]:
    """The simple commands of a line, as word lists (assignments and redirections kept)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    segments: list[list[str]] = [[]]
    for token in lexer:
        if token in _CONTROL:
            segments.append([])
        else:
            segments[-1].append(token)
    return [segment for segment in segments if segment]


def _program(words: list[str]) -> str:
    """The program a simple command runs (after any ``VAR=value`` assignments)."""
    for word in words:
        if not _ASSIGNMENT.match(word):
            return word
    return ""


def _unsafe_paths(words: list[str]) -> list[str]:
    """Words that would reach outside the temporary folder."""
    return [
        word
        for word in words
        if not _ASSIGNMENT.match(word) and (word.startswith(("/", "~")) or ".." in Path(word).parts)
    ]


def classify(command: Command) -> tuple[str, str]:
    """``("run", "")``, ``("skip", reason)`` or ``("reject", why)`` for a command."""
    if command.content is not None:
        if _unsafe_paths([command.text]):
            return "reject", f"{command.label}: file={command.text} is outside its folder"
        return "run", ""
    segments = _segments(command.text)
    programs = [_program(words) for words in segments]
    if programs and all(program in SKIP for program in programs):
        return "skip", "; ".join(dict.fromkeys(f"{p}: {SKIP[p]}" for p in programs))
    unknown = [p for p in programs if p not in RUN]
    if unknown:
        return "reject", (
            f"{command.label}: {unknown} in {command.text!r} is neither run nor skipped by"
            " this test; split the line, rewrite it, or add the program to SKIP with a reason"
        )
    outside = [word for words in segments for word in _unsafe_paths(words)]
    if outside:
        return (
            "reject",
            f"{command.label}: {command.text!r} names paths outside its folder: {outside}",
        )
    return "run", ""


COMMANDS = [command for doc in DOCS for command in extract(doc)]


def _cli_dir(tmp: Path) -> Path:
    """A folder whose ``normenkader`` is the installed CLI of this interpreter."""
    installed = Path(sys.executable).parent / "normenkader"
    folder = tmp / "bin"
    folder.mkdir(exist_ok=True)
    shim = folder / "normenkader"
    if installed.is_file() and os.access(installed, os.X_OK):
        shim.symlink_to(installed)
    else:
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m normenkader "$@"\n', "utf-8")
        shim.chmod(0o755)
    return folder


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@dataclass
class DocRun:
    """The temporary folder of one doc and the results of its commands run so far."""

    root: Path
    env: dict[str, str]
    cwd: Path
    done: dict[int, Result] = field(default_factory=dict)

    def run(self, command: Command) -> Result:
        if command.content is not None:
            (self.cwd / command.text).write_text(command.content, "utf-8")
            return Result(0, "", "")
        words = shlex.split(command.text)
        if len(words) == 2 and words[0] == "cd":
            target = (self.cwd / words[1]).resolve()
            assert target.is_relative_to(self.root), f"{command.label}: cd leaves the folder"
            assert target.is_dir(), f"{command.label}: cd into a missing folder {words[1]}"
            self.cwd = target
            return Result(0, "", "")
        completed = subprocess.run(
            ["bash", "-c", command.text],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)


_RUNS: dict[str, DocRun] = {}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shared pieces of every doc's run: the CLI folder and a private cache."""
    base = tmp_path_factory.mktemp("docs-commands")
    cache = base / "cache"
    cache.mkdir(mode=0o700)
    return {"base": base, "bin": _cli_dir(base), "cache": cache}


def _doc_run(doc: str, workspace: dict[str, Path]) -> DocRun:
    if doc not in _RUNS:
        root = workspace["base"] / re.sub(r"[^A-Za-z0-9]+", "-", doc)
        root.mkdir()
        shutil.copytree(ROOT / "evidence", root / "evidence")
        shutil.copytree(ROOT / "norms", root / "norms")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NORMENKADER_", "LC_")) and key != "LANG"
        }
        env.update(
            PATH=f"{workspace['bin']}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
            HOME=str(root),
            LANG="C.UTF-8",
            NORMENKADER_LANG="en",
            NORMENKADER_TODAY=TODAY,
            NORMENKADER_CACHE_DIR=str(workspace["cache"]),
            NORMENKADER_CACHE_SECRET="docs-commands-test-cache-secret-0123456789",
        )
        _RUNS[doc] = DocRun(root, env, root)
    return _RUNS[doc]


def test_docs_have_commands() -> None:
    """The extraction finds the documented commands (a broken parser would pass vacuously)."""
    by_doc = {command.doc for command in COMMANDS}
    assert {"README.md", "docs/quickstart.md", "docs/workflows.md"} <= by_doc
    assert sum(classify(c)[0] == "run" for c in COMMANDS) >= 30


def test_extract_follows_the_conventions(tmp_path: Path) -> None:
    """Console prompts, continuations, `# exits N`, `file=` blocks and other languages."""
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```console\n$ normenkader explain NK.DISC.01   # exits 0\noutput line\n```\n"
        "```sh\n# a comment\nnormenkader check a \\\n    --as-of 2026-11-29   # exits 1: fails\n"
        'echo "#x" > f   # quoted hash\n```\n'
        "```yaml file=w.yaml\nversion: 1\n```\n"
        "```\nnormenkader not run\n```\n",
        "utf-8",
    )
    found = extract(doc)
    assert [(c.line, c.text, c.expected, c.content) for c in found] == [
        (2, "normenkader explain NK.DISC.01", 0, None),
        (7, "normenkader check a --as-of 2026-11-29", 1, None),
        (9, 'echo "#x" > f', 0, None),
        (11, "w.yaml", 0, "version: 1\n"),
    ]
    assert classify(found[1])[0] == "run"
    assert classify(Command("d", 1, "pip install . && normenkader check x", 0))[0] == "reject"
    assert classify(Command("d", 1, "normenkader seal x -o ../../y", 0))[0] == "reject"
    assert classify(Command("d", 1, "pip install -e .", 0))[0] == "skip"


@pytest.mark.parametrize("command", COMMANDS, ids=[c.label for c in COMMANDS])
def test_documented_command(command: Command, workspace: dict[str, Path]) -> None:
    """Run the command after the earlier commands of its doc; it gives the documented exit."""
    verdict, reason = classify(command)
    if verdict == "reject":
        pytest.fail(reason)
    if verdict == "skip":
        pytest.skip(f"{command.label}: not run: {reason}")
    run = _doc_run(command.doc, workspace)
    for earlier in COMMANDS:
        if earlier.doc != command.doc or earlier.line >= command.line:
            continue
        if earlier.line not in run.done and classify(earlier)[0] == "run":
            run.done[earlier.line] = run.run(earlier)
    if command.line not in run.done:
        run.done[command.line] = run.run(command)
    result = run.done[command.line]
    assert result.code == command.expected, (
        f"{command.label}: `{command.text}` exited {result.code}, the doc implies"
        f" {command.expected}\n--- stdout (end)\n{result.stdout[-2000:]}\n"
        f"--- stderr (end)\n{result.stderr[-2000:]}"
    )


# --------------------------------------------------------------- what the docs mention

_NORM_ID = re.compile(r"\bNK\.[A-Z]+\.\d+\b")
_PROFILE = re.compile(r"--profile[ =]([A-Za-z0-9_-]+)|profile `([A-Za-z0-9_-]+)`")
_KIND_IN_BLOCK = re.compile(r"(?:^\s*-?\s*|[{,]\s*)kind: *\"?([a-z][a-z0-9_-]*)")
_KIND_IN_TEXT = re.compile(r"\bkind `([a-z][a-z0-9_-]*)`")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)")
_REPO_DIRS = (
    "engine/",
    "norms/",
    "evidence/schemas/",
    "evidence/examples/",
    "docs/",
    "tests/",
    "bench/",
)


def _library_ids() -> set[str]:
    """The norm ids of the shipped library, from the real CLI."""
    env = dict(os.environ, NORMENKADER_NO_CACHE="1")
    completed = subprocess.run(
        [sys.executable, "-m", "normenkader", "graph", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=True,
    )
    return {node["id"] for node in json.loads(completed.stdout)["nodes"]}


def _known_kinds() -> set[str]:
    """Evidence kinds (their schemas) and check kinds (the norm-file schema)."""
    kinds = {
        p.name.removesuffix(".schema.json") for p in (ROOT / "evidence/schemas/kinds").iterdir()
    }
    text = (ROOT / "norms" / "norm.schema.json").read_text("utf-8")
    kinds |= set(re.findall(r'"kind":\s*\{\s*"const":\s*"([a-z_]+)"', text))
    return kinds


def _mentions(
    pattern: re.Pattern[str], block_pattern: re.Pattern[str] | None = None
) -> list[tuple[str, int, str]]:
    """``(doc, line, value)`` of every match; ``block_pattern`` is also tried in fences."""
    found = []
    for doc in DOCS:
        name = doc.relative_to(ROOT).as_posix()
        in_block = False
        for number, line in enumerate(doc.read_text("utf-8").splitlines(), start=1):
            if _FENCE.match(line):
                in_block = not in_block
                continue
            patterns = [pattern] + ([block_pattern] if in_block and block_pattern else [])
            for match in (m for p in patterns for m in p.finditer(line)):
                value = next((g for g in match.groups() if g), match.group(0))
                found.append((name, number, value))
    return found


def test_documented_norm_ids_exist() -> None:
    known = _library_ids()
    assert len(known) > 50
    unknown = [f"{d}:{n}: {v}" for d, n, v in _mentions(_NORM_ID) if v not in known]
    assert not unknown, "norm ids the docs mention but the library does not have:\n" + "\n".join(
        unknown
    )


def test_documented_profiles_exist() -> None:
    known = {p.stem for p in (ROOT / "norms" / "profiles").glob("*.yaml")} | {"full"}
    mentions = _mentions(_PROFILE)
    assert mentions
    unknown = [f"{d}:{n}: {v}" for d, n, v in mentions if v not in known]
    assert not unknown, "profiles the docs name that do not exist:\n" + "\n".join(unknown)


def test_documented_kinds_exist() -> None:
    known = _known_kinds()
    assert {"model-card", "expr"} <= known
    mentions = _mentions(_KIND_IN_TEXT, _KIND_IN_BLOCK)
    assert mentions
    unknown = [f"{d}:{n}: {v}" for d, n, v in mentions if v not in known]
    assert not unknown, "kinds the docs name that do not exist:\n" + "\n".join(unknown)


def _anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``doc``."""
    anchors = set()
    for line in doc.read_text("utf-8").splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*$", line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def test_documented_paths_exist() -> None:
    """Repository paths in code spans and relative links point at files that exist."""
    missing = []
    for doc in DOCS:
        name = doc.relative_to(ROOT).as_posix()
        for number, line in enumerate(doc.read_text("utf-8").splitlines(), start=1):
            for span in _CODE_SPAN.findall(line):
                path = span.split()[0] if span.split() else ""
                if not path.startswith(_REPO_DIRS) or re.search(
                    r"[<>*{}\[\]]|\.\.\.|[A-Z]{3,}", path
                ):
                    continue
                if not (ROOT / path).exists():
                    missing.append(f"{name}:{number}: `{path}`")
            for target, anchor in _LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue
                linked = doc.parent / target if target else doc
                if not linked.exists():
                    missing.append(f"{name}:{number}: link {target}")
                elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                    missing.append(f"{name}:{number}: link {target}#{anchor}: no such heading")
    assert not missing, "paths the docs name that do not exist:\n" + "\n".join(missing)


# --------------------------------------------------------------- commands named in the text

_SPAN_COMMAND = re.compile(r"`(?:normenkader )?([a-z][a-z-]*(?: [a-z][a-z-]*){0,2})((?: [^`]*)?)`")
_PIP_SPAN = re.compile(r"`pip install ([^`]+)`")


def _cli_help(words: list[str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "normenkader", *words, "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, NORMENKADER_LANG="en"),
        timeout=TIMEOUT,
    )
    assert completed.returncode == 0, f"normenkader {' '.join(words)} --help: {completed.stderr}"
    return completed.stdout


def _subcommands(help_text: str) -> set[str]:
    section = help_text.split("Commands:", 1)[1] if "Commands:" in help_text else ""
    return {line.split()[0] for line in section.splitlines() if line.strip()}


def _prose_lines(doc: Path) -> list[tuple[int, str]]:
    """The lines of ``doc`` outside fenced blocks (those are run by the test above)."""
    lines, in_block = [], False
    for number, line in enumerate(doc.read_text("utf-8").splitlines(), start=1):
        if _FENCE.match(line):
            in_block = not in_block
        elif not in_block:
            lines.append((number, line))
    return lines


def test_commands_in_the_text_exist() -> None:
    """`normenkader CMD --opt` and `CMD --opt` in the prose name real commands and options."""
    top = _subcommands(_cli_help([]))
    assert {"check", "verify", "waivers"} <= top
    helps: dict[str, str] = {}
    wrong, seen = [], 0
    for doc in DOCS:
        name = doc.relative_to(ROOT).as_posix()
        for number, line in _prose_lines(doc):
            for match in _SPAN_COMMAND.finditer(line):
                head, rest = match.group(1).split(), match.group(2)
                explicit = match.group(0).startswith("`normenkader ")
                if head[0] == "normenkader":  # `normenkader COMMAND ...`: a placeholder
                    continue
                if explicit and head[0] not in top:
                    wrong.append(f"{name}:{number}: {match.group(0)}: no command {head[0]}")
                    continue
                if head[0] not in top or not (explicit or "--" in rest):
                    continue
                # the longest run of words that are (sub)commands: `audit ledger verify`
                path = head[:1]
                for index, word in enumerate(head[1:], 1):
                    parent = " ".join(path)
                    if parent not in helps:
                        helps[parent] = _cli_help(path)
                    if word in _subcommands(helps[parent]):
                        path = [*path, word]
                    else:
                        rest = " " + " ".join(head[index:]) + rest
                        break
                key = " ".join(path)
                if key not in helps:
                    helps[key] = _cli_help(path)
                seen += 1
                for option in re.findall(r"(?:^|\s)(--[a-z][a-z-]*)", rest):
                    if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", helps[key]):
                        wrong.append(f"{name}:{number}: {match.group(0)}: no {option} on {key}")
    assert seen >= 20
    assert not wrong, "commands or options the docs name that do not exist:\n" + "\n".join(wrong)


def test_install_lines_in_the_text_work_from_a_clone() -> None:
    """normenkader is not on PyPI: `pip install` in the prose installs a local path."""
    wrong = []
    for doc in DOCS:
        name = doc.relative_to(ROOT).as_posix()
        for number, line in _prose_lines(doc):
            for match in _PIP_SPAN.finditer(line):
                targets = [w for w in shlex.split(match.group(1)) if not w.startswith("-")]
                if any(re.match(r"normenkader\b", target) for target in targets):
                    wrong.append(f"{name}:{number}: {match.group(0)}")
    assert not wrong, "install lines that ask PyPI for normenkader:\n" + "\n".join(wrong)
