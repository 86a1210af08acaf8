"""The engine's reasons: why a norm got its status, and why evidence was not usable.

Keys ``engine.<stage>`` (engine.py) and ``evidence.<problem>`` (``_resolve``). Fields are
named (``{as_of}``); a field may be an {en, nl} mapping, picked per language. Periods stay
ISO 8601 here (``P1Y``): the JSON keeps the data, and every human renderer puts them in
words (report/words.py).
"""

from __future__ import annotations

ENGINE: dict[str, tuple[str, str]] = {
    "engine.not_in_force": (
        "not in force on {as_of} (in force {window})",
        "niet van kracht op {as_of} (van kracht {window})",
    ),
    "engine.applicability_undecided": (
        "applicability could not be decided ({error}); declare the facts in bundle.yaml",
        "toepasselijkheid niet vast te stellen ({error}); leg de feiten vast in bundle.yaml",
    ),
    "engine.applies_if_not_boolean": ("applies_if is not a boolean", "applies_if is geen boolean"),
    "engine.does_not_apply": (
        "does not apply: {condition} is false ({shown})",
        "niet van toepassing: {condition} is onwaar ({shown})",
    ),
    "engine.blocked_prerequisite": (
        "blocked: prerequisite not passed; root cause {causes}",
        "geblokkeerd: voorwaardelijke norm niet voldaan; oorzaak {causes}",
    ),
    "engine.blocked_answer_unknown": (
        "blocked: the finding it answers is not known; root cause {causes}",
        "geblokkeerd: de bevinding die zij beantwoordt is niet bekend; oorzaak {causes}",
    ),
    "engine.nothing_to_answer": ("nothing to answer: {shown}", "niets te beantwoorden: {shown}"),
    "engine.not_answered": (
        "the finding of {answered} is not answered: {problems}",
        "de bevinding van {answered} is niet beantwoord: {problems}",
    ),
    "engine.evidence_not_usable": (
        "evidence not usable: {problems}",
        "bewijs niet bruikbaar: {problems}",
    ),
    "engine.could_not_evaluate": ("could not be evaluated: {error}", "niet te beoordelen: {error}"),
    "engine.check_raised": ("check raised: {error}", "controle gaf een fout: {error}"),
    "engine.budget_exceeded": (
        "evaluation budget exceeded: {error}",
        "rekenbudget overschreden: {error}",
    ),
    "engine.review_default": (
        "a supervisor's judgement is required",
        "een oordeel van de toezichthouder is nodig",
    ),
    "engine.review_required": (
        "checks hold; judgement required: {prompt}",
        "controles voldoen; oordeel nodig: {prompt}",
    ),
    "engine.all_checks_hold": ("all checks hold", "alle controles voldoen"),
    # values shown in a "does not apply" reason
    "engine.value_absent": ("absent", "afwezig"),
    "engine.value_true": ("true", "waar"),
    "engine.value_false": ("false", "onwaar"),
    # why an evidence input is not usable (also EvidenceUse.problem, in English)
    "evidence.no_id": ("no evidence with id '{id}'", "geen bewijs met id '{id}'"),
    "evidence.wrong_kind": (
        "{id} is kind {kind}, expected {expected}",
        "{id} is van soort {kind}, verwacht {expected}",
    ),
    "evidence.no_kind": ("no evidence of kind '{kind}'", "geen bewijs van soort '{kind}'"),
    "evidence.after_as_of": (
        "{id} is dated after the as-of date",
        "{id} is gedateerd na de peildatum",
    ),
    "evidence.invalid": (
        "{id} ({path}) is invalid: {problem}",
        "{id} ({path}) is ongeldig: {problem}",
    ),
    "evidence.undated": (
        "{id} has no date; max age {max_age}",
        "{id} heeft geen datum; maximale ouderdom {max_age}",
    ),
    "evidence.stale": (
        "{id} dated {date} is older than {max_age} at {as_of}",
        "{id} van {date} is ouder dan {max_age} op {as_of}",
    ),
    "evidence.optional": ("{problem} (optional input)", "{problem} (optionele invoer)"),
}
