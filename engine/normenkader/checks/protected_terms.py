"""``protected_terms``: protected grounds found in a model's features, whatever their tags say.

Example::

    params: {hard_line_grounds: [nationality, ethnicity, ...]}
    checks:
      - kind: protected_terms
        model_card: model_card      # model-card input (required)
        dictionary: dictionary      # data-dictionary input (optional)
        grounds: hard_line          # or: justifiable (then also `justification:`)

    # NK.DISC.19: only the decisions dataset's roles against the features
      - kind: protected_terms
        model_card: model_card
        dataset: decisions          # decisions-dataset input
        card_terms: false

The auditee tags each feature with the protected ground it touches. This check does not
take that tag's word for it. For every model feature it gathers *signals* that need no
cooperation: the curated term list ``norms/terms/protected-grounds.yaml`` matched against the
feature's name, description and source-field names, the data-dictionary entries of those
source fields (their names, descriptions, ``protected_ground`` and ``special_category``), and
with ``dataset``, the roles of a decisions dataset (a feature that *is* a bias-test group
column is a protected feature; a feature column the model card leaves out is screened too).
Each signal names the feature, the ground, the term and where it matched. ``card_terms:
false`` leaves out everything but the dataset's signals, so a norm on the dataset does not
repeat the findings of a norm on the model card.

* ``grounds: hard_line`` (NK.DISC.01): a strong signal of a hard-line ground on a feature not
  tagged with one fails; only weak signals ask for review. Features already tagged with a
  hard-line ground are left to the norm's tag check, so nothing is counted twice.
* ``grounds: justifiable`` (NK.DISC.13): a feature whose tag, dictionary or group column
  declares a justifiable ground needs a documented justification (``indicator-justification``
  record): none fails, one asks for review (or passes when the ground is listed in
  ``params.legally_relevant_grounds``, where the statute itself draws the distinction). A
  term-only signal asks for review: the list is a heuristic.

The term list's version and sha256 are recorded with every result.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..messages import texts
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext

TERMS_FORMAT = "normenkader-protected-terms/1"
#: Negations that turn a strong match in prose into a weak one when they come just before it.
NEGATIONS = frozenset(
    {"not", "no", "never", "without", "excluding", "except", "niet", "geen", "nooit", "zonder",
     "behalve", "exclusief"}
)  # fmt: skip
NEGATION_WINDOW = 4
#: Words that mark a sentence as about a proxy or a bias test rather than about using the ground.
PROXY_CONTEXT = ("proxy", "proxies", "samenhang", "associat", "correlat", "gecorreleerd", "bias")
MAX_TEXT = 5000
#: Characters one check evaluation screens at most (names and descriptions together).
MAX_SCREENED_CHARS = 4_000_000


@dataclass(frozen=True)
class ProtectedTermsConfig(CheckConfig):
    """Finds protected grounds in model features by name, text, dictionary and group columns."""

    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["protected_terms"]
    model_card: str
    """Evidence name of the model-card input."""
    dictionary: str | None = None
    """Evidence name of an optional data-dictionary input."""
    dataset: str | None = None
    """Evidence name of a decisions-dataset input (group columns and feature columns)."""
    card_terms: bool = True
    """Screen the model card's features and their dictionary entries (false: only the
    dataset's signals)."""
    grounds: Literal["hard_line", "justifiable"] = "hard_line"
    """Which grounds this check judges: the hard line (fail) or the justifiable ones."""
    justification: str | None = None
    """Evidence name of the indicator-justification input (``grounds: justifiable``)."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}; shown in the finding."""


# --- the term list ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    source: str
    words: tuple[tuple[str, str], ...]  # (mode, text); mode: exact | prefix | contains

    def match_at(self, tokens: list[str], start: int) -> int:
        """Number of tokens matched from ``start`` (0: no match)."""
        if start + len(self.words) > len(tokens):
            return 0
        for offset, (mode, text) in enumerate(self.words):
            token = tokens[start + offset]
            if mode == "exact" and token != text:
                return 0
            if mode == "prefix" and not token.startswith(text):
                return 0
            if mode == "contains" and text not in token:
                return 0
        return len(self.words)


@dataclass(frozen=True)
class Term:
    ground: str
    strength: str  # strong | weak
    scope: str  # names | text | all
    pattern: Pattern


@dataclass(frozen=True)
class TermList:
    version: str
    sha256: str
    hard_line: frozenset[str]
    grounds: frozenset[str]
    special_categories: dict[str, str]
    terms: tuple[Term, ...]
    not_a_ground: dict[str, tuple[Pattern, ...]]
    _exact: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    _prefix: dict[str, tuple[tuple[str, tuple[Term, ...]], ...]] = field(default_factory=dict)
    """Prefix patterns by their first two letters (a token is compared with few of them)."""
    _contains: tuple[Term, ...] = ()

    def candidates(self, token: str) -> list[Term]:
        found = list(self._exact.get(token, ()))
        for prefix, terms in self._prefix.get(token[:2], ()):
            if token.startswith(prefix):
                found.extend(terms)
        found.extend(t for t in self._contains if t.pattern.words[0][1] in token)
        return found


def tokens(text: str) -> list[str]:
    """Lower-case ASCII word tokens; snake_case, camelCase, digits and punctuation split."""
    text = unicodedata.normalize("NFKD", text[:MAX_TEXT])
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])([0-9])|([0-9])([A-Za-z])", _space, text)
    return [t.lower() for t in re.findall(r"[A-Za-z0-9]+", text)]


def _space(match: re.Match[str]) -> str:
    return " ".join(g for g in match.groups() if g)


def compile_pattern(source: str) -> Pattern:
    words: list[tuple[str, str]] = []
    for word in source.split():
        if word.startswith("*") and word.endswith("*") and len(word) > 2:
            words.append(("contains", word[1:-1]))
        elif word.endswith("*"):
            words.append(("prefix", word[:-1]))
        else:
            words.append(("exact", word))
        if not re.fullmatch(r"[a-z0-9]+", words[-1][1]):
            raise ValueError(f"term {source!r}: words are lower-case ASCII letters and digits")
    if not words:
        raise ValueError("empty term")
    return Pattern(source, tuple(words))


def terms_path() -> Path:
    from ..resources import norms_dir

    return norms_dir() / "terms" / "protected-grounds.yaml"


TERMS_CACHE_FORMAT = "protected-terms-cache/1"


def load_terms(path: Path | None = None) -> TermList:
    """The curated term list, parsed once per file content.

    The parsed value is kept in the local cache under the file's bytes (and the engine
    fingerprint), so a warm ``check`` does not import the YAML parser for it.
    """
    path = path or terms_path()
    return _terms_from_bytes(path.read_bytes(), str(path))


@lru_cache(maxsize=4)
def _terms_from_bytes(data: bytes, source: str) -> TermList:
    from .. import cache

    key = cache.make_key(TERMS_CACHE_FORMAT, [data])
    raw = cache.read("terms", TERMS_CACHE_FORMAT, key)
    if isinstance(raw, dict):
        try:
            return _parse_terms(raw, hashlib.sha256(data).hexdigest(), source)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # a cached value that no longer parses is a miss
    from ..yamlio import loads_yaml

    raw = loads_yaml(data, source).value
    terms = _parse_terms(raw, hashlib.sha256(data).hexdigest(), source)
    cache.write("terms", TERMS_CACHE_FORMAT, key, raw)
    return terms


def _parse_terms(raw: Any, sha256: str, source: str) -> TermList:
    if not isinstance(raw, dict) or raw.get("format") != TERMS_FORMAT:
        raise ValueError(f"{source}: not a {TERMS_FORMAT} file")
    grounds = {str(k): bool(v.get("hard_line")) for k, v in (raw.get("grounds") or {}).items()}
    terms: list[Term] = []
    for entry in raw.get("terms") or []:
        ground = str(entry["ground"])
        if ground not in grounds:
            raise ValueError(f"{source}: unknown ground {ground!r}")
        strength = str(entry.get("strength", "strong"))
        scope = str(entry.get("in", "all"))
        if strength not in ("strong", "weak") or scope not in ("names", "text", "all"):
            raise ValueError(f"{source}: bad strength or scope for {ground}")
        terms.extend(Term(ground, strength, scope, compile_pattern(p)) for p in entry["patterns"])
    exact: dict[str, list[Term]] = {}
    prefix: dict[str, list[Term]] = {}
    contains: list[Term] = []
    for term in terms:
        mode, text = term.pattern.words[0]
        target = exact if mode == "exact" else prefix if mode == "prefix" else None
        if target is None:
            contains.append(term)
        else:
            target.setdefault(text, []).append(term)
    special = {str(k): str(v) for k, v in (raw.get("special_categories") or {}).items()}
    excluded = {
        str(g): tuple(compile_pattern(p) for p in phrases)
        for g, phrases in (raw.get("not_a_ground") or {}).items()
    }
    return TermList(
        version=str(raw.get("version", "")),
        sha256=sha256,
        hard_line=frozenset(g for g, hard in grounds.items() if hard),
        grounds=frozenset(grounds),
        special_categories=special,
        terms=tuple(terms),
        not_a_ground=excluded,
        _exact={k: tuple(v) for k, v in exact.items()},
        _prefix=_by_head(prefix),
        _contains=tuple(contains),
    )


def _by_head(prefix: dict[str, list[Term]]) -> dict[str, tuple[tuple[str, tuple[Term, ...]], ...]]:
    heads: dict[str, list[tuple[str, tuple[Term, ...]]]] = {}
    for text, terms in sorted(prefix.items()):
        if len(text) < 2:
            raise ValueError(f"prefix {text!r}: at least two letters")
        heads.setdefault(text[:2], []).append((text, tuple(terms)))
    return {head: tuple(items) for head, items in heads.items()}


@dataclass(frozen=True)
class Hit:
    ground: str
    strength: str
    term: str
    phrase: str
    note: str = ""


def find(
    terms: TermList, text: str, scope: str, excused: frozenset[str] = frozenset()
) -> list[Hit]:
    """Protected-ground terms in a name (``scope='names'``) or a description (``'text'``).

    In prose, a strong match becomes weak when a negation comes just before it, when its
    sentence is about proxies or bias testing, or when its ground is in ``excused`` (the
    feature declares itself a proxy of that ground).
    """
    hits: list[Hit] = []
    sentences = re.split(r"[.;!?\n]+", text[:MAX_TEXT]) if scope == "text" else [text]
    for sentence in sentences:
        words = tokens(sentence)
        proxy_context = scope == "text" and any(w.startswith(PROXY_CONTEXT) for w in words)
        for start, token in enumerate(words):
            for term in terms.candidates(token):
                if term.scope not in ("all", scope):
                    continue
                length = term.pattern.match_at(words, start)
                if not length or _excluded(terms, term.ground, words, start, length):
                    continue
                strength, note = term.strength, ""
                if strength == "strong" and scope == "text":
                    before = words[max(0, start - NEGATION_WINDOW) : start]
                    if NEGATIONS.intersection(before):
                        strength, note = "weak", "negated"
                    elif proxy_context:
                        strength, note = "weak", "proxy or bias-test context"
                    elif term.ground in excused:
                        strength, note = "weak", "declared proxy"
                phrase = " ".join(words[start : start + length])
                hits.append(Hit(term.ground, strength, term.pattern.source, phrase, note))
    # a weak reading of a ground that also matched strongly in the same text adds nothing
    strong = {h.ground for h in hits if h.strength == "strong"}
    return [h for h in hits if h.strength == "strong" or h.ground not in strong]


def _excluded(terms: TermList, ground: str, words: list[str], start: int, length: int) -> bool:
    for phrase in terms.not_a_ground.get(ground, ()):
        size = len(phrase.words)
        for begin in range(max(0, start + length - size), start + 1):
            if begin + size >= start + length and phrase.match_at(words, begin):
                return True
    return False


class ScreenBudgetExceeded(Exception):
    """More text than one check screens (hostile or absurdly large evidence)."""


class Screen:
    """``find`` with memory and a budget, so hostile evidence cannot make a check hang.

    The same text (a source field named by many features) is screened once; the characters
    screened in one evaluation are capped at ``MAX_SCREENED_CHARS`` (about five seconds), or
    at the norm's ``params.max_screened_chars`` when set.
    """

    def __init__(self, terms: TermList, budget: int = 0) -> None:
        self.terms = terms
        self.budget = budget or MAX_SCREENED_CHARS
        self.used = 0
        self._memo: dict[tuple[str, str, frozenset[str]], list[Hit]] = {}

    def __call__(self, text: str, scope: str, excused: frozenset[str] = frozenset()) -> list[Hit]:
        key = (text, scope, excused)
        known = self._memo.get(key)
        if known is not None:
            return known
        self.charge(len(text))
        hits = find(self.terms, text, scope, excused)
        self._memo[key] = hits
        return hits

    def charge(self, characters: int) -> None:
        """Count text screened by other means against the same budget."""
        self.used += min(characters, MAX_TEXT)
        if self.used > self.budget:
            raise ScreenBudgetExceeded(f"over {self.budget} characters to screen")


# --- the check ----------------------------------------------------------------------------


@dataclass
class Signal:
    feature: str
    ground: str
    strength: str  # strong | weak | declared
    where: str
    term: str = ""
    phrase: str = ""
    note: str = ""
    tag: str = "none"  # the feature's own model-card tag

    def as_dict(self) -> dict[str, str]:
        data = {"feature": self.feature, "ground": self.ground, "strength": self.strength,
                "where": self.where}  # fmt: skip
        for key in ("term", "phrase", "note"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def describe(self) -> str:
        what = f"term '{self.term}' ('{self.phrase}')" if self.term else "tag"
        return f"{self.feature}: {self.ground} ({what} in {self.where})"


#: Where a signal is most telling, most telling first (for the one-line witness).
_PLACES = ("feature name", "feature column name", "source field", "group column", "dictionary tag",
           "special category", "dictionary description", "feature description")  # fmt: skip


def _rank(signal: Signal) -> tuple[int, str, str]:
    place = next((i for i, p in enumerate(_PLACES) if p in signal.where), len(_PLACES))
    return (place, signal.ground, signal.term)


def _unique(signals: list[Signal]) -> list[Signal]:
    """One signal per feature, ground and place (several patterns may match one word)."""
    seen: dict[tuple[str, str, str], Signal] = {}
    for signal in sorted(signals, key=_rank):
        seen.setdefault((signal.feature, signal.ground, signal.where), signal)
    return list(seen.values())


def _per_feature(signals: list[Signal]) -> list[str]:
    """One line per feature: its tag, the most telling signal and how many more there are."""
    lines: list[str] = []
    for feature in sorted({s.feature for s in signals}):
        own = sorted(_unique([s for s in signals if s.feature == feature]), key=_rank)
        first = own[0]
        what = f"term '{first.term}'" if first.term else "a protected ground"
        more = f" (+{len(own) - 1} more)" if len(own) > 1 else ""
        lines.append(
            f"{feature} (tagged {first.tag}): {first.ground}, {what} in {first.where}{more}"
        )
    return lines


def _listing(lines: list[str], limit: int = 8) -> str:
    shown = "; ".join(lines[:limit])
    return shown + (f"; and {len(lines) - limit} more" if len(lines) > limit else "")


@register
class ProtectedTermsCheck:
    kind: ClassVar[str] = "protected_terms"
    config_type: ClassVar[type] = ProtectedTermsConfig

    def __init__(self, config: ProtectedTermsConfig, norm: CompiledNorm) -> None:
        self.config = config
        names = (config.model_card, config.dictionary, config.dataset, config.justification)
        norm.require_inputs(tuple(n for n in names if n), "model_card")

    def evaluate(self, ctx: NormContext) -> CheckResult:
        try:
            terms = load_terms()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return _result(
                Status.ERROR, f"term list unusable: {exc}", f"termenlijst onbruikbaar: {exc}", {}
            )
        hard_line = frozenset(ctx.params.get("hard_line_grounds") or terms.hard_line)
        try:
            signals, notes = self._signals(
                ctx, Screen(terms, int(ctx.params.get("max_screened_chars", 0)))
            )
        except ScreenBudgetExceeded as exc:
            return _result(
                Status.ERROR,
                f"the evidence holds too much text to screen: {exc}",
                f"het bewijs bevat te veel tekst om te doorzoeken: {exc}",
                {"term_list": {"version": terms.version, "sha256": terms.sha256}},
            )
        values: dict[str, Any] = {
            "term_list": {"version": terms.version, "sha256": terms.sha256},
            "hard_line_grounds": sorted(hard_line),
            "notes": notes,
        }
        if self.config.grounds == "hard_line":
            return self._hard_line(signals, hard_line, values)
        return self._justifiable(ctx, signals, hard_line, values)

    # -- gathering signals ---------------------------------------------------------------

    def _content(self, ctx: NormContext, name: str | None) -> Any:
        item = ctx.evidence.get(name) if name else None
        if item is None:
            return None
        return item.content if item.form == "structured" else item.entry

    def _signals(self, ctx: NormContext, screen: Screen) -> tuple[list[Signal], list[str]]:
        card = self._content(ctx, self.config.model_card) or {}
        dictionary = self._content(ctx, self.config.dictionary)
        dataset = self._content(ctx, self.config.dataset)
        notes: list[str] = []
        fields: dict[str, dict[str, Any]] = {}
        if isinstance(dictionary, dict):
            for entry in dictionary.get("fields") or []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    fields.setdefault(entry["name"], entry)
        elif self.config.dictionary:
            notes.append("no data dictionary: source fields were screened by name only")
        groups = _group_columns(dataset)
        group_grounds = {g: _column_ground(screen, g, fields) for g in groups}
        features = [f for f in card.get("features") or [] if isinstance(f, dict)]
        signals: list[Signal] = []
        for feature in features:
            signals.extend(self._feature(screen, feature, fields, group_grounds))
        declared = {_key(str(f.get("name", ""))) for f in features}
        if isinstance(dataset, dict):
            extra = [c for c in _dataset_features(dataset) if _key(c) not in declared]
            for column in extra:
                notes.append(f"dataset feature column {column!r} is not on the model card")
                pseudo = {"name": column, "protected_ground": "none"}
                place = "decisions dataset feature column name"
                signals.extend(self._feature(screen, pseudo, fields, group_grounds, place))
        return signals, notes

    def _feature(
        self,
        screen: Screen,
        feature: dict[str, Any],
        fields: dict[str, dict[str, Any]],
        group_grounds: dict[str, str],
        name_place: str = "model card feature name",
    ) -> list[Signal]:
        name = str(feature.get("name", ""))
        tag = str(feature.get("protected_ground", "none"))
        proxies = frozenset(str(p) for p in feature.get("proxy_for") or [])
        found: list[Signal] = []

        def add(text: Any, scope: str, where: str) -> None:
            if isinstance(text, str) and text:
                for hit in screen(text, scope, proxies):
                    found.append(Signal(name, hit.ground, hit.strength, where, hit.term,
                                        hit.phrase, hit.note))  # fmt: skip

        sources = [str(s) for s in feature.get("source_fields") or []]
        screened = self.config.card_terms or name_place != "model card feature name"
        if screened:
            add(name, "names", name_place)
            add(feature.get("description"), "text", "model card feature description")
        for source in sources if screened else ():
            add(source, "names", f"model card source field '{source}'")
            entry = fields.get(source)
            if entry is None:
                continue
            add(entry.get("description"), "text", f"data dictionary description of '{source}'")
            field_tag = entry.get("protected_ground")
            if isinstance(field_tag, str) and field_tag in screen.terms.grounds:
                where = f"data dictionary tag of '{source}'"
                found.append(Signal(name, field_tag, "declared", where))
            special = screen.terms.special_categories.get(str(entry.get("special_category")))
            if special:
                where = f"data dictionary special category of '{source}'"
                found.append(Signal(name, special, "declared", where))
        for column, ground in group_grounds.items():
            if _key(column) in {_key(name), *map(_key, sources)}:
                where = f"decisions dataset group column '{column}'"
                found.append(Signal(name, ground, "declared", where))
        for signal in found:
            signal.tag = tag
        return found

    # -- verdicts ------------------------------------------------------------------------

    def _hard_line(
        self, signals: list[Signal], hard_line: frozenset[str], values: dict[str, Any]
    ) -> CheckResult:
        # a feature already tagged with a hard-line ground fails the norm's tag check
        relevant = [
            s
            for s in signals
            if (s.ground in hard_line or s.ground == "unknown") and s.tag not in hard_line
        ]
        strong = [
            s for s in relevant if s.strength in ("strong", "declared") and s.ground != "unknown"
        ]
        weak = [s for s in relevant if s not in strong]
        values["matches"] = [s.as_dict() for s in _unique(relevant)]
        if strong:
            values["offending"] = _per_feature(strong)
            listed = _listing(values["offending"])
            return self._fail(
                f"features touch a hard-line ground whatever their tag says: {listed}",
                f"kenmerken raken een harde grens, wat de tag ook zegt: {listed}",
                values,
            )
        if weak:
            listed = _listing(_per_feature(weak))
            return _result(
                Status.REVIEW,
                f"possible hard-line ground, to be checked by a supervisor: {listed}",
                f"mogelijk een harde grens, te beoordelen door de toezichthouder: {listed}",
                values,
            )
        return _result(
            Status.PASS,
            "no feature's name, description, source fields, dictionary entry or group column"
            " points to a hard-line ground its tag does not name",
            "geen naam, omschrijving, bronveld, woordenboekregel of groepskolom van een kenmerk"
            " wijst op een harde grens die de tag niet noemt",
            values,
        )

    def _justifiable(
        self,
        ctx: NormContext,
        signals: list[Signal],
        hard_line: frozenset[str],
        values: dict[str, Any],
    ) -> CheckResult:
        card = self._content(ctx, self.config.model_card) or {}
        relevant_grounds = frozenset(ctx.params.get("legally_relevant_grounds") or [])
        min_chars = int(ctx.params.get("min_justification_chars", 40))
        justifications = _justifications(self._content(ctx, self.config.justification))
        per_feature: dict[str, dict[str, list[Signal]]] = {}
        for feature in card.get("features") or []:
            if not isinstance(feature, dict):
                continue
            tag = str(feature.get("protected_ground", "none"))
            if tag not in ("none", *hard_line):
                name = str(feature.get("name", ""))
                signal = Signal(name, tag, "declared", "model card tag")
                per_feature.setdefault(name, {}).setdefault(tag, []).append(signal)
        for signal in signals:
            if signal.ground in hard_line or signal.ground == "unknown":
                continue
            per_feature.setdefault(signal.feature, {}).setdefault(signal.ground, []).append(signal)
        fails: list[str] = []
        reviews: list[str] = []
        passes: list[str] = []
        rows: list[dict[str, Any]] = []
        for feature, grounds in sorted(per_feature.items()):
            text = justifications.get(feature, "")
            justified = len(text.strip()) >= min_chars
            for ground, found in sorted(grounds.items()):
                declared = any(s.strength == "declared" for s in found)
                label = f"{feature}: {ground}"
                if declared and not justified:
                    verdict = "fail"
                    fails.append(label)
                elif declared and ground in relevant_grounds:
                    verdict = "pass"
                    passes.append(label)
                else:
                    verdict = "review"
                    heuristic = sorted({s.describe() for s in found if s.strength != "declared"})
                    reviews.append(label if declared else f"{label} (undeclared: {heuristic[0]})")
                rows.append({"feature": feature, "ground": ground, "declared": declared,
                             "justified": justified, "verdict": verdict,
                             "signals": [s.as_dict() for s in found]})  # fmt: skip
        values["features"] = rows
        values["legally_relevant_grounds"] = sorted(relevant_grounds)
        if fails:
            values["offending"] = fails
            listed = ", ".join(fails)
            return self._fail(
                f"a protected ground without a documented justification: {listed}",
                f"een beschermde grond zonder vastgelegde rechtvaardiging: {listed}",
                values,
            )
        if reviews:
            listed = ", ".join(reviews)
            return _result(
                Status.REVIEW,
                f"justification of a distinction on a protected ground to be weighed: {listed}",
                f"rechtvaardiging van onderscheid op een beschermde grond te beoordelen: {listed}",
                values,
            )
        extra = (
            texts("check.protected_terms.legally_relevant", features=", ".join(passes))
            if passes
            else {"en": "", "nl": ""}
        )
        return _result(
            Status.PASS,
            f"no feature touches a protected ground without a route{extra['en']}",
            f"geen kenmerk raakt een beschermde grond zonder route{extra['nl']}",
            values,
        )

    def _fail(self, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
        explain = self.config.explain or {}
        message = {
            "en": f"{explain['en']}: {en}" if "en" in explain else en,
            "nl": f"{explain['nl']}: {nl}" if "nl" in explain else nl,
        }
        return CheckResult("protected_terms", Status.FAIL, message, values)


def _key(name: str) -> str:
    return "_".join(tokens(name))


def _group_columns(dataset: Any) -> list[str]:
    if not isinstance(dataset, dict):
        return []
    group = (dataset.get("columns") or {}).get("group")
    columns = group if isinstance(group, list) else [group]
    return [c for c in columns if isinstance(c, str) and c]


def _dataset_features(dataset: dict[str, Any]) -> list[str]:
    columns = dataset.get("columns") or {}
    return [c for c in columns.get("features") or [] if isinstance(c, str) and c]


def _column_ground(screen: Screen, column: str, fields: dict[str, dict[str, Any]]) -> str:
    """The ground a group column stands for: its dictionary tag, else its name, else unknown."""
    tag = (fields.get(column) or {}).get("protected_ground")
    if isinstance(tag, str) and tag in screen.terms.grounds:
        return tag
    hits = screen(column, "names")
    strong = sorted(h.ground for h in hits if h.strength == "strong")
    if strong:
        return strong[0]
    return "unknown"


def _justifications(content: Any) -> dict[str, str]:
    if not isinstance(content, dict):
        return {}
    found: dict[str, str] = {}
    for record in content.get("indicators") or []:
        if isinstance(record, dict) and isinstance(record.get("feature"), str):
            found[record["feature"]] = str(record.get("legal_permissibility") or "")
    return found


def _result(status: Status, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
    return CheckResult("protected_terms", status, {"en": en, "nl": nl}, values)
