"""The check kinds' own words (engine/normenkader/checks/*): verdict heads and the parts
a reason is built from. Keys ``check.<kind>.<text>``; values (en, nl)."""

from __future__ import annotations

CHECKS: dict[str, tuple[str, str]] = {
    # shared by several kinds
    "check.holds": ("holds", "voldoet"),
    "check.evidence_absent": ("evidence absent", "bewijs ontbreekt"),
    # expr
    "check.expr.raised": ("expression raised: {error}", "expressie gaf een fout: {error}"),
    "check.expr.missing_field": (
        "the evidence has no field '{field}' that this check reads",
        "het bewijs heeft geen veld '{field}' dat deze controle leest",
    ),
    "check.expr.not_boolean": (
        "expression gave {type}, not a boolean",
        "expressie gaf {type}, geen boolean",
    ),
    "check.expr.fail": ("the condition does not hold", "de voorwaarde is niet vervuld"),
    # schema
    "check.schema.fail": (
        "evidence does not meet the norm's schema",
        "bewijs voldoet niet aan het schema van de norm",
    ),
    # judgement
    "check.judgement.required": ("judgement required: {question}", "oordeel nodig: {question}"),
    # group_metric
    "check.group_metric.fail": (
        "disparity outside the accepted band",
        "verschil tussen groepen buiten de geaccepteerde marge",
    ),
    "check.group_metric.pass": (
        "all groups within the accepted band",
        "alle groepen binnen de geaccepteerde marge",
    ),
    "check.group_metric.review": (
        "disparity could not be settled from the data",
        "verschil tussen groepen niet eenduidig vast te stellen uit de data",
    ),
    "check.group_metric.comparison": (
        "{metric} {group} vs {reference}: {value} {interval} band {band}{extra}",
        "{metric} {group} t.o.v. {reference}: {value} {interval} marge {band}{extra}",
    ),
    "check.group_metric.not_available": ("n/a", "n.v.t."),
    "check.group_metric.tally.fail": ("fail", "afwijking"),
    "check.group_metric.tally.pass": ("pass", "binnen marge"),
    "check.group_metric.tally.review": ("review", "oordeel"),
    "check.group_metric.tally.not_estimable": ("not_estimable", "niet te schatten"),
    "check.group_metric.tally.too_small": ("too_small", "te klein"),
    # risk_profiles (CRM toetsingskader risicoprofilering)
    "check.risk_profiles.single_group": (
        "{profile}: aimed at one nationality or origin",
        "{profile}: gericht op één nationaliteit of afkomst",
    ),
    "check.risk_profiles.decisive": (
        "{criterion}: solely or decisively on a suspect ground",
        "{criterion}: uitsluitend of in beslissende mate op een verdachte grond",
    ),
    "check.risk_profiles.untraceable_claim": (
        "{profile}: recorded as not traceable to a suspect ground, but it is",
        "{profile}: vastgelegd als niet herleidbaar tot een verdachte grond, maar dat is het wel",
    ),
    "check.risk_profiles.steps_missing": ("{criterion}: no {steps}", "{criterion}: geen {steps}"),
    "check.risk_profiles.unmeasured": ("association not measured", "samenhang niet gemeten"),
    "check.risk_profiles.association": ("association {value}", "samenhang {value}"),
    "check.risk_profiles.left_out": (
        "model features missing from the model's profile: {features}",
        "modelkenmerken die in het profiel van het model ontbreken: {features}",
    ),
    # the justification steps named in a reason
    "check.step.legitimate_aim": ("legitimate_aim", "legitiem doel (legitimate_aim)"),
    "check.step.suitability": ("suitability", "geschiktheid (suitability)"),
    "check.step.necessity": ("necessity", "noodzaak (necessity)"),
    "check.step.proportionality": ("proportionality", "evenredigheid (proportionality)"),
    "check.step.very_weighty_reasons": (
        "very_weighty_reasons",
        "zeer zwaarwegende redenen (very_weighty_reasons)",
    ),
    "check.step.aim": ("aim", "doel (aim)"),
    "check.step.alternatives_considered": (
        "alternatives_considered",
        "overwogen alternatieven (alternatives_considered)",
    ),
    # protected_terms
    "check.protected_terms.legally_relevant": (
        " (legally relevant: {features})",
        " (juridisch relevant: {features})",
    ),
}
