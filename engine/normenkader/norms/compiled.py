"""Compile the norm library once; evaluate many bundles against it.

``load_norm_set`` reads the norm files, validates them (pydantic, on a cache miss only),
compiles every CEL expression and check, checks the dependency graph, applies a profile,
and returns a ``NormSet`` in evaluation order. The validated form is cached as JSON keyed
by the sha256 of the norm files and the engine version (see ``cache``), so ``check``
imports neither pydantic nor the YAML parser when nothing changed (about 5 ms instead of
about 300 ms for the library).

When one norm file of a library changed, only that file is validated again: the entry of
the same norm folders' previous load (found through a small ``normindex`` entry) holds each
file's display path and sha256 with its validated form, and every file whose path and bytes
are unchanged takes its validated form from there; the checks across norms (unique ids,
file names, the dependency graph) run over the whole set again. The validated norms are
stored in one shard per folder of norm files, keyed by those files' paths and bytes, so an
edit writes one new shard and a small entry, not the whole library again.
``validation_count`` reports how many files were validated in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import cache
from ..celsyntax import CelParseError, parse
from ..celsyntax import fields_read as tree_reads
from ..checks import CheckConfigError, build, config_from_dict
from ..errors import InputError, NormLoadError
from ..evidence.schemas import kind_schema
from ..expressions import CelSyntaxError, Expression
from ..inputfile import read_input_file
from ..records import Record
from ..resources import norms_dir
from .profiles import Profile, load_profile, with_prerequisites

if TYPE_CHECKING:
    from ..yamlio import Document

CACHE_FORMAT = "normset-cache/5"
INDEX_FORMAT = "normindex-cache/1"
SHARD_FORMAT = "normshard-cache/1"
MAX_NORM_FILE_BYTES = 8 * 1024 * 1024


class EvidenceSpec(NamedTuple):
    """A named evidence input of a norm: kind, optional id and maximum age."""

    kind: str
    id: str | None = None
    max_age: str | None = None
    optional: bool = False


@dataclass(repr=False, eq=False)
class CompiledNorm(Record):
    """A validated norm with its expressions and checks ready to evaluate."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    severity: str
    derived_from: list[dict[str, str]]
    source: str
    waivable: bool = True
    tags: list[str] = field(default_factory=list)
    effective: dict[str, str | None] | None = None
    legal_basis: list[str] = field(default_factory=list)
    applies_if: str | None = None
    requires: list[str] = field(default_factory=list)
    #: norms whose finding this norm answers (evaluated after them; docs/semantics.md)
    answers: list[str] = field(default_factory=list)
    evidence: dict[str, EvidenceSpec] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    #: the checks in their validated JSON form; configs and checks are built from it
    check_data: list[dict[str, Any]] = field(default_factory=list)
    review: bool = False
    review_prompt: dict[str, str] | None = None
    condition: Expression | None = None
    #: compile every expression now (lint, validation); else on first use
    strict: bool = False
    _configs: list[Any] | None = field(default=None, init=False, repr=False, compare=False)
    _checks: list[Any] | None = field(default=None, init=False, repr=False, compare=False)
    _reads: dict[str, list[str]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def set(self) -> str:
        return self.id.split(".")[1]

    @property
    def depends_on(self) -> list[str]:
        """The norms evaluated before this one: prerequisites, then answered norms."""
        return [*self.requires, *self.answers]

    def require_inputs(self, names: tuple[str, ...], field: str) -> None:
        """For check kinds: every evidence input a check names must be declared."""
        for name in names:
            if name not in self.evidence:
                declared = ", ".join(self.evidence) or "none"
                raise CheckConfigError(
                    f"unknown evidence input {name!r} (declared: {declared})", field
                )

    @property
    def check_configs(self) -> list[Any]:
        """The config dataclass of each check (imports its check kind on first use)."""
        if self._configs is None:
            self._configs = [config_from_dict(data) for data in self.check_data]
        return self._configs

    @property
    def checks(self) -> list[Any]:
        """The compiled checks, built on first use: a ``check`` run imports only the check
        kinds of norms that reach their checks."""
        if self._checks is None:
            self._checks = [build(config, self) for config in self.check_configs]
        return self._checks

    def compile(self) -> None:
        """Build applies_if, and in strict mode every check (raises CelSyntaxError or
        CheckConfigError); otherwise checks are built on first use."""
        self.condition = Expression(self.applies_if, self.strict) if self.applies_if else None
        self._checks = None
        if self.strict:
            _ = self.checks

    @property
    def fields_read(self) -> dict[str, list[str]]:
        """Per evidence input, the JSON pointers its check expressions read (kept in the
        norm-set cache, as it depends on the norm alone)."""
        if self._reads is None:
            self._reads = fields_read(list(self.evidence), self.expression_sources())
        return self._reads

    def expression_sources(self) -> list[str]:
        """All CEL sources of this norm's checks (for recording what was read)."""
        sources: list[str] = []
        for data in self.check_data:
            for key in ("expr", "witness"):
                value = data.get(key)
                if isinstance(value, str):
                    sources.append(value)
        return sources


def fields_read(names: list[str], sources: list[str]) -> dict[str, list[str]]:
    """Per evidence name, the JSON pointers of the fields the expressions read from it.

    Read from the CEL syntax tree (``celsyntax``): ``model_card.features.all(f, ...)``
    reads ``/features`` of ``model_card``; string literals, method names and comprehension
    variables that shadow an input are not reads. An expression the parser does not
    understand adds nothing (lint refuses such expressions in norm files).
    """
    wanted = frozenset(names)
    found: dict[str, set[str]] = {name: set() for name in names}
    for source in sources:
        try:
            tree = parse(source)
        except CelParseError:
            continue
        for name, pointers in tree_reads(tree, wanted).items():
            found[name].update(pointers)
    return {name: sorted(pointers) for name, pointers in found.items()}


@dataclass(repr=False, eq=False)
class NormSet(Record):
    """The norms of one run in evaluation order, with the set's digest and profile."""

    norms: dict[str, CompiledNorm]  # evaluation (topological) order
    digest: str
    profile: Profile
    files: int

    def dependants(self, norm_id: str) -> list[str]:
        return sorted(n.id for n in self.norms.values() if norm_id in n.requires)

    def answered_by(self, norm_id: str) -> list[str]:
        return sorted(n.id for n in self.norms.values() if norm_id in n.answers)


def norm_files(paths: list[Path]) -> list[Path]:
    """Norm files under the given files/folders, sorted.

    Test cases (``*.test.yaml``), ``fixtures`` folders and hidden folders are left out;
    symbolic links to folders are not followed.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [d for d in subfolders if not _skipped_folder(d)]
                base = Path(folder)
                found.update(
                    base / name
                    for name in names
                    if name.endswith(".yaml") and not name.endswith(".test.yaml")
                )
        elif path.is_file():
            found.add(path)
        else:
            raise NormLoadError([f"{path}: no such norm file or folder"])
    return sorted(found)


def _skipped_folder(name: str) -> bool:
    return name.startswith(".") or name == "fixtures"


def read_norm_files(files: list[Path]) -> list[tuple[Path, bytes]]:
    """The bytes of each norm file; a FIFO, folder or oversized file is a load error."""
    contents: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            contents.append((path, read_input_file(path, "NORM_INVALID", MAX_NORM_FILE_BYTES)))
        except InputError as exc:
            raise NormLoadError([exc.line().removeprefix("error NORM_INVALID: ")]) from None
    return contents


def default_paths() -> list[Path]:
    return [norms_dir() / "nk"]


def _display(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it, else as given."""
    if os.sep == "/":  # the string form of what relative_to gives, 40x faster (10,000 norms)
        text, base = str(path), os.getcwd()
        if text == base:
            return "."
        prefix = base if base.endswith("/") else base + "/"
        return text[len(prefix) :] if text.startswith(prefix) else text
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_norm_set(
    paths: list[Path] | None = None,
    profile: str | None = None,
    use_cache: bool | None = None,
    only: list[str] | None = None,
) -> NormSet:
    """Load, validate, compile and order the norm set; apply ``profile`` (name or file).

    ``only`` restricts the set to these norm ids and their prerequisites.
    """
    files = norm_files(paths or default_paths())
    if not files:
        raise NormLoadError(["no norm files found"])
    contents = read_norm_files(files)
    key = _cache_key(contents)
    if use_cache is None:
        use_cache = cache.enabled()
    cached = _read_entry(key) if use_cache else None
    if cached is not None:
        validated, digests, reads = cached["norms"], cached["digests"], cached["reads"]
        norms = [_from_validated(data) for data in validated]
        for norm in norms:
            norm._reads = reads[norm.id]
    else:
        index_key = _index_key(paths or default_paths())
        previous = _previous_entry(index_key) if use_cache else None
        known: dict[str, Any] = {}
        if previous is not None:
            validated, digests, reads = _validate_changed(contents, previous)
            known = reads
        else:
            validated = validate_documents(contents)
            digests = {data["id"]: norm_digest(data) for data in validated}
        norms = [_from_validated(data) for data in validated]
        for norm in norms:
            if norm.id in known:
                norm._reads = known[norm.id]
        reads = {norm.id: norm.fields_read for norm in norms}
        if use_cache:
            # no sort_keys: declaration order (evidence inputs, params) is part of the norm
            # and must read back exactly as validated, or warm and cold runs would differ
            shas = {_display(path): hashlib.sha256(data).hexdigest() for path, data in contents}
            value = {"digests": digests, "reads": reads, "files": shas}
            stored = set(previous["shards"]) if previous is not None else set()
            _write_entry(key, value, validated, stored)
            cache.write("normindex", INDEX_FORMAT, index_key, {"normset": key})
    by_id = {norm.id: norm for norm in norms}
    problems: list[str] = []
    for norm in norms:
        try:
            norm.compile()
        except (CelSyntaxError, CheckConfigError) as exc:  # only reachable without validation
            problems.append(f"{norm.source}: {exc}")
    # no graph check here: ``validate_documents`` made it (a cached set passed it then)
    if problems:
        raise NormLoadError(problems)
    chosen = load_profile(profile)
    selected = chosen.apply(by_id)
    if only:
        selected = _closure(selected, by_id, only)
    ordered = evaluation_order(selected)
    # two levels: each norm's canonical digest (cached), then the set over ids and profile
    digest_input = {
        "norms": {norm_id: digests[norm_id] for norm_id in sorted(ordered)},
        "profile": chosen.to_dict(),
    }
    canonical = json.dumps(digest_input, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return NormSet(
        norms={norm_id: selected[norm_id] for norm_id in ordered},
        digest=digest,
        profile=chosen,
        files=len(files),
    )


def _closure(
    selected: dict[str, CompiledNorm], by_id: dict[str, CompiledNorm], only: list[str]
) -> dict[str, CompiledNorm]:
    for norm_id in only:
        if norm_id not in by_id:
            from ..suggest import suggest

            hint = suggest(norm_id, by_id)
            raise InputError("UNKNOWN_NORM", f"no norm with id {norm_id!r}{hint}")
        if norm_id not in selected:
            raise InputError("UNKNOWN_NORM", f"norm {norm_id} is not in the chosen profile")
    wanted = with_prerequisites(selected, set(only))
    return {norm_id: selected[norm_id] for norm_id in sorted(wanted)}


# --- validation (authoring path: imports pydantic) ---------------------------------------


#: Norm files validated (parsed and checked with pydantic) in this process.
_validated = [0]


def validation_count() -> int:
    """How many norm files this process has validated so far (cache hits excluded): a
    library taken from the cache adds 0, a library with one edited norm adds 1."""
    return _validated[0]


def validate_documents(
    contents: list[tuple[Path, bytes]], known: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Validate every norm file; raise NormLoadError listing every problem as file:line:col.

    ``known`` maps a display path to the validated form of that file as it is now (from
    the cache, same bytes): such a file is not parsed nor validated again; the checks
    across norms (ids, file names, graph) still cover it.
    """
    problems: list[str] = []
    validated: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path, data in contents:
        source = _display(path)
        reused = (known or {}).get(source)
        if reused is not None:
            norm_id = reused["id"]
            if norm_id in seen:
                problems.append(f"{source}: norm id {norm_id} also defined in {seen[norm_id]}")
                continue
            seen[norm_id] = source
            validated.append(reused)
            continue
        from ..yamlio import loads_yaml

        _validated[0] += 1
        try:
            document = loads_yaml(data, source)
        except InputError as exc:
            problems.append(exc.line().removeprefix("error "))
            continue
        result = validate_norm(document)
        if isinstance(result, list):
            problems.extend(result)
            continue
        norm_id = result["id"]
        if norm_id in seen:
            problems.append(
                f"{document.where('/id')}: norm id {norm_id} also defined in {seen[norm_id]}"
            )
            continue
        if path.stem != norm_id:
            problems.append(f"{document.where('/id')}: file name must be {norm_id}.yaml")
        seen[norm_id] = source
        validated.append(result)
    if not problems:
        by_id = {data["id"]: _from_validated(data) for data in validated}
        problems.extend(graph_problems(by_id))
    if problems:
        raise NormLoadError(problems)
    return sorted(validated, key=lambda data: data["id"])


def validate_norm(document: Document) -> dict[str, Any] | list[str]:
    """Validated norm data (JSON-ready), or a list of ``file:line:col: message`` problems."""
    from pydantic import ValidationError

    from .model import norm_model

    value = document.value
    if not isinstance(value, dict):
        return [f"{document.where()}: a norm file must be a mapping"]
    try:
        model = norm_model().model_validate(value)
    except ValidationError as exc:
        return [
            f"{document.where(_pointer(value, err['loc']))}: {_location(err['loc'])}{err['msg']}"
            for err in exc.errors(include_url=False)
        ]
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=False)
    data["source"] = document.source
    problems: list[str] = []
    if model.applies_if:
        try:
            Expression(model.applies_if)
            parse(model.applies_if)
        except CelSyntaxError as exc:
            problems.append(_cel_problem(document, "/applies_if", exc))
        except CelParseError as exc:
            problems.append(
                f"{document.where('/applies_if')}: CEL outside the subset normenkader "
                f"analyses (facts read, evaluation budget): {exc}"
            )
    norm = _from_validated(data)
    norm.strict = True
    for index, config in enumerate(norm.check_configs):
        try:
            build(config, norm)
        except CheckConfigError as exc:
            pointer = f"/checks/{index}" + (f"/{exc.field}" if exc.field else "")
            if exc.line:
                problems.append(
                    _cel_problem(document, pointer, CelSyntaxError(str(exc), exc.line, exc.column))
                )
            else:
                problems.append(f"{document.where(pointer)}: {exc}")
    for name, spec in norm.evidence.items():
        if kind_schema(spec.kind) is None:
            problems.append(
                f"{document.where(f'/evidence/{name}/kind')}: unknown evidence kind {spec.kind!r}"
            )
    return problems or data


def _cel_problem(document: Document, pointer: str, exc: CelSyntaxError) -> str:
    line, column = document.position(pointer)
    if exc.line > 1:  # multi-line block scalar: the expression starts on the next line
        return f"{document.source}:{line + exc.line}:{exc.column}: CEL: {exc.message}"
    return f"{document.source}:{line}:{column + exc.column - 1}: CEL: {exc.message}"


def _pointer(value: Any, loc: tuple[Any, ...]) -> str:
    """JSON pointer for a pydantic error location, skipping union tags that are not data."""
    parts: list[str] = []
    current = value
    for element in loc:
        in_dict = isinstance(current, dict) and element in current
        in_list = isinstance(current, list) and isinstance(element, int) and element < len(current)
        if in_dict or in_list:
            current = current[element]
            parts.append(str(element))
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _location(loc: tuple[Any, ...]) -> str:
    shown = ".".join(str(part) for part in loc if not str(part).startswith("function-"))
    return f"{shown}: " if shown else ""


def graph_problems(norms: dict[str, CompiledNorm]) -> list[str]:
    """Unknown prerequisites or answered norms, self-references and cycles (with the cycle
    path) over ``requires`` and ``answers`` together."""
    problems: list[str] = []
    for norm in norms.values():
        for verb, targets in (("requires", norm.requires), ("answers", norm.answers)):
            for target in targets:
                if target == norm.id:
                    problems.append(f"{norm.source}: {norm.id} {verb} itself")
                elif target not in norms:
                    problems.append(f"{norm.source}: {norm.id} {verb} unknown norm {target}")
    if problems:
        return problems
    sorter = TopologicalSorter({norm.id: norm.depends_on for norm in norms.values()})
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = list(exc.args[1])
        problems.append(
            f"{norms[cycle[0]].source}: dependency cycle: {' -> '.join(reversed(cycle))}"
        )
    return problems


def evaluation_order(norms: dict[str, CompiledNorm]) -> list[str]:
    """Topological order, ties broken by id, so the order is deterministic."""
    sorter = TopologicalSorter(
        {norm.id: [r for r in norm.depends_on if r in norms] for norm in norms.values()}
    )
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


def _from_validated(data: dict[str, Any]) -> CompiledNorm:
    return CompiledNorm(
        id=data["id"],
        title=data["title"],
        description=data["description"],
        severity=data["severity"],
        derived_from=data["derived_from"],
        source=data.get("source", ""),
        waivable=data.get("waivable", True),
        tags=list(data.get("tags") or []),
        effective=data.get("effective"),
        legal_basis=list(data.get("legal_basis") or []),
        applies_if=data.get("applies_if"),
        requires=list(data.get("requires") or []),
        answers=list(data.get("answers") or []),
        evidence={
            name: EvidenceSpec(**spec) for name, spec in (data.get("evidence") or {}).items()
        },
        params=dict(data.get("params") or {}),
        check_data=list(data.get("checks") or []),
        review=bool(data.get("review")),
        review_prompt=data.get("review_prompt"),
    )


# --- cache -------------------------------------------------------------------------------


def _index_key(roots: list[Path]) -> str:
    """Names the norm folders (and files) a load was asked for, and the working folder
    (display paths are relative to it): where to look for the previous load's entry."""
    parts = [os.getcwd(), *(str(Path(root).absolute()) for root in roots)]
    return cache.make_key(INDEX_FORMAT, parts)


def _previous_entry(index_key: str) -> dict[str, Any] | None:
    """The normset entry of the previous load of the same folders, if still cached."""
    index = cache.read("normindex", INDEX_FORMAT, index_key)
    if not isinstance(index, dict) or not isinstance(index.get("normset"), str):
        return None
    return _read_entry(index["normset"])


def _read_entry(key: str) -> dict[str, Any] | None:
    """A cached norm set: its entry with the validated norms of all its shards, sorted by
    id as ``validate_documents`` returns them; None if the entry or any shard is missing."""
    entry = cache.read("normset", CACHE_FORMAT, key)
    if not isinstance(entry, dict) or not isinstance(entry.get("shards"), list):
        return None
    if not all(isinstance(entry.get(name), dict) for name in ("digests", "reads", "files")):
        return None
    norms: list[dict[str, Any]] = []
    for shard in entry["shards"]:
        value = cache.read("normshard", SHARD_FORMAT, shard) if isinstance(shard, str) else None
        if not isinstance(value, dict) or not isinstance(value.get("norms"), list):
            return None
        norms.extend(value["norms"])
    entry["norms"] = sorted(norms, key=lambda data: data["id"])
    return entry


def _write_entry(
    key: str, value: dict[str, Any], validated: list[dict[str, Any]], stored: set[str]
) -> None:
    """Store a norm set as one small entry (digests, fields read, file digests, shard keys)
    and its validated norms in shards, one per folder of norm files, each keyed by its
    files' display paths and bytes: after an edit only the edited norm's shard is new.
    Shards in ``stored`` (read for this load) are not written again."""
    shas: dict[str, str] = value["files"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for data in validated:
        groups.setdefault(data["source"].rpartition("/")[0], []).append(data)
    shards = []
    for group in sorted(groups):
        members = groups[group]
        files = sorted(f"{data['source']}\0{shas[data['source']]}" for data in members)
        shard = cache.make_key(SHARD_FORMAT, [group, *files])
        if shard not in stored:
            cache.write("normshard", SHARD_FORMAT, shard, {"norms": members})
        shards.append(shard)
    cache.write("normset", CACHE_FORMAT, key, {**value, "shards": shards})


def _validate_changed(
    contents: list[tuple[Path, bytes]], previous: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any]]:
    """Validated norms, their digests and (for the reused ones) fields read, validating
    only the files whose display path or bytes differ from the ``previous`` entry's.

    On any problem the whole library is validated afresh, so an error lists exactly what a
    load without any cache lists.
    """
    by_source = {data.get("source"): data for data in previous["norms"]}
    shas = previous["files"]
    known: dict[str, dict[str, Any]] = {}
    for path, data in contents:
        source = _display(path)
        old = by_source.get(source)
        if old is not None and shas.get(source) == hashlib.sha256(data).hexdigest():
            known[source] = old
    try:
        validated = validate_documents(contents, known)
    except NormLoadError:
        validate_documents(contents)  # raises, with every problem as a cold load lists it
        raise
    reused = {data["id"] for data in known.values()}
    digests = {
        data["id"]: previous["digests"][data["id"]] if data["id"] in reused else norm_digest(data)
        for data in validated
    }
    reads = {norm_id: previous["reads"][norm_id] for norm_id in reused}
    return validated, digests, reads


def _cache_key(contents: list[tuple[Path, bytes]]) -> str:
    """The norm files' display paths and bytes; ``make_key`` adds the engine fingerprint
    (the validating code, the kind schemas, the CEL and pydantic versions)."""
    parts: list[str | bytes] = []
    for path, data in contents:
        parts += [_display(path), hashlib.sha256(data).digest()]
    return cache.make_key(CACHE_FORMAT, parts)


def norm_digest(data: dict[str, Any]) -> str:
    """sha256 of one validated norm's canonical JSON (its source path left out)."""
    view = {key: value for key, value in data.items() if key != "source"}
    canonical = json.dumps(view, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
