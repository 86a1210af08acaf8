"""What each command prints for people: summary lines, headings, warnings.

Keys ``<command>.<line>``; values (en, nl) with named fields. Machine-read prefixes
(``error CODE:``, ``sha256:``, ids, paths) are never part of a translated text.
"""

from __future__ import annotations

CLI: dict[str, tuple[str, str]] = {
    # shared
    "cli.wrote": ("wrote {path}", "geschreven: {path}"),
    "cli.lang_help": (
        "Language of the output: nl or en (default: $NORMENKADER_LANG, else the locale, else en).",
        "Taal van de uitvoer: nl of en (standaard: $NORMENKADER_LANG, anders de locale, "
        "anders en).",
    ),
    "cli.unsigned": ("unsigned", "niet ondertekend"),
    # diff
    "diff.other_system": (
        "warning: OLD and NEW are results of other systems ({fields} differ)",
        "waarschuwing: OUD en NIEUW zijn uitslagen van verschillende systemen "
        "({fields} verschillen)",
    ),
    "diff.new_problems": ("new problems", "nieuwe problemen"),
    "diff.fixed": ("fixed", "opgelost"),
    "diff.changed": ("changed", "gewijzigd"),
    "diff.new_errors": ("new errors", "nieuwe fouten"),
    "diff.norms_added": ("norms added", "normen toegevoegd"),
    "diff.norms_removed": ("norms removed", "normen verwijderd"),
    "diff.old": ("old", "oud"),
    "diff.new": ("new", "nieuw"),
    "diff.as_of": ("as of", "peildatum"),
    # waivers lint / sign, assess
    "waivers.summary": (
        "{file}: {errors} errors, {warnings} warnings",
        "{file}: {errors} fouten, {warnings} waarschuwingen",
    ),
    "waivers.level.error": ("error", "fout"),
    "waivers.level.warning": ("warning", "waarschuwing"),
    "waivers.signed_as": ("{id}: signed as {role}", "{id}: ondertekend als {role}"),
    "assess.recorded": (
        "recorded {verdict} on {norm} for {bundle} ({pins}), {signed}, in {target}",
        "vastgelegd: {verdict} over {norm} voor {bundle} ({pins}), {signed}, in {target}",
    ),
    "assess.no_evidence": ("no evidence", "geen bewijs"),
    "assess.signed_by": ("signed by {assessor}", "ondertekend door {assessor}"),
    "assess.not_in_review": (
        "warning: {norm} is {status} ({reason}) now; a judgement decides only a norm that "
        "awaits review",
        "waarschuwing: {norm} is nu {status} ({reason}); een oordeel beslist alleen over een "
        "norm die op een oordeel wacht",
    ),
    # coverage
    "coverage.norms": ("norms: {count}", "normen: {count}"),
    "coverage.covered": ("covered", "gedekt"),
    "coverage.nominal": ("NOMINAL", "NOMINAAL"),
    "coverage.judgement_only": ("judgement-only", "alleen oordeel"),
    "coverage.not_covered": ("not covered", "niet gedekt"),
    "coverage.uncovered": ("UNCOVERED", "ONGEDEKT"),
    "coverage.items": ("items", "onderdelen"),
    "coverage.strength.full": ("full", "volledig"),
    "coverage.strength.partial": ("partial", "gedeeltelijk"),
    "coverage.strength.nominal": ("nominal", "nominaal"),
    "coverage.strongest": (
        "strongest link per cited item: {strongest}; links: {links}",
        "sterkste verwijzing per geciteerd onderdeel: {strongest}; verwijzingen: {links}",
    ),
    "coverage.measures": (
        "measures cited by norms: {cited}/{total}",
        "maatregelen waarnaar normen verwijzen: {cited}/{total}",
    ),
    "coverage.via_measures": ("only via measures", "alleen via maatregelen"),
    "coverage.unresolved": (
        "unresolved citations: {count}",
        "onbekende verwijzingen: {count}",
    ),
    "coverage.stale": (
        "stale entries in judgement-only.yaml: {count}",
        "verouderde regels in judgement-only.yaml: {count}",
    ),
    "coverage.rule_problems": (
        "roll-up rule problems: {count}",
        "problemen in samenvattingsregels: {count}",
    ),
    "coverage.notice": ("notice: {notice}", "melding: {notice}"),
    "coverage.complete": ("complete", "volledig"),
    "coverage.incomplete": (
        "INCOMPLETE: items silently uncovered, citations unresolved or roll-up rules broken",
        "ONVOLLEDIG: onderdelen stil ongedekt, verwijzingen onbekend of samenvattingsregels fout",
    ),
    # lint (norm files)
    "lint.problems": (
        "{problems} problem(s) in {files} norm file(s)",
        "{problems} probleem/problemen in {files} normbestand(en)",
    ),
    "lint.ok": ("{files} norm file(s) OK", "{files} normbestand(en) in orde"),
    # test (norm fixture tests)
    "test.ok": ("ok  ", "ok  "),
    "test.fail": ("FAIL", "FOUT"),
    "test.expected": (
        "{file}: expected {expected}: {detail}",
        "{file}: verwacht {expected}: {detail}",
    ),
    "test.coverage": ("coverage: {problem}", "dekking: {problem}"),
    "test.summary": ("{passed} passed, {failed} failed", "{passed} geslaagd, {failed} mislukt"),
    "test.coverage_summary": (
        ", {count} coverage problem(s)",
        ", {count} dekkingsprobleem/-problemen",
    ),
    # init
    "init.created": (
        "created {directory} with {files} files{more}; edit {directory}/bundle.yaml",
        "{directory} aangemaakt met {files} bestanden{more}; bewerk {directory}/bundle.yaml",
    ),
    "init.placed": (
        "; {count} evidence files to fill in under {directory}/evidence",
        "; {count} bewijsbestanden in te vullen onder {directory}/evidence",
    ),
    # seal, keygen, sign, attest, verify
    "seal.sealed": (
        "sealed {files} files ({size} bytes) into {output}",
        "{files} bestanden ({size} bytes) verzegeld in {output}",
    ),
    "seal.digest": ("bundle digest {digest}", "bundeldigest {digest}"),
    "keygen.key": (
        "# key {keyid}: private {private}, public {public}",
        "# sleutel {keyid}: privé {private}, publiek {public}",
    ),
    "keygen.entry": (
        "# trusted-keys entry (add under 'keys:'):",
        "# regel voor de vertrouwde sleutels (voeg toe onder 'keys:'):",
    ),
    "sign.signed": ("signed {digest} -> {target}", "ondertekend: {digest} -> {target}"),
    "attest.attested": (
        "attested {claim} about bundle {bundle} -> {output}",
        "verklaard: {claim} over bundel {bundle} -> {output}",
    ),
    "verify.signature": (
        "signature: {organisation} ({role}), key {keyid}, signed at {signed_at}",
        "handtekening: {organisation} ({role}), sleutel {keyid}, ondertekend op {signed_at}",
    ),
    "verify.bundle_submission": (
        "bundle: {digest} matches (submission by its organisation)",
        "bundel: {digest} klopt (indiening door de eigen organisatie)",
    ),
    "verify.bundle": ("bundle: {digest} matches", "bundel: {digest} klopt"),
    "verify.attestation": (
        "attestation holds: {claim} about bundle {bundle} (evidence {about}), as of {as_of}",
        "verklaring klopt: {claim} over bundel {bundle} (bewijs {about}), peildatum {as_of}",
    ),
    "verify.norm_set": ("norm set: {digest} matches{only}", "normenset: {digest} klopt{only}"),
    "verify.only": (" (only {norms})", " (alleen {norms})"),
    "verify.report": ("report: {digest} matches {report}", "rapport: {digest} klopt met {report}"),
    "verify.rerun": (
        "rerun: report digest {digest} reproduced",
        "opnieuw uitgevoerd: rapportdigest {digest} gereproduceerd",
    ),
    # explain (norms/explain.py)
    "explain.severity": ("severity", "ernst"),
    "explain.not_waivable": (" (not waivable)", " (geen ontheffing mogelijk)"),
    "explain.derived_from": ("derived from", "bronnen"),
    "explain.legal_basis": ("legal basis", "wettelijke grondslag"),
    "explain.in_force": ("in force", "van kracht"),
    "explain.applies_if": ("applies if", "van toepassing als"),
    "explain.always": ("always", "altijd"),
    "explain.evidence": ("evidence", "bewijs"),
    "explain.none": ("(none)", "(geen)"),
    "explain.optional": ("optional", "optioneel"),
    "explain.params": ("parameters", "parameters"),
    "explain.bands": ("bands (accepted range per metric)", "banden (aanvaard bereik per maat)"),
    "explain.checks": ("checks", "controles"),
    "explain.reads": ("reads", "leest"),
    "explain.attested": (" [attested]", " [verklaard]"),
    "explain.review": ("needs a supervisor judgement", "oordeel toezichthouder nodig"),
    "explain.requires_direct": ("requires (direct)", "vereist (direct)"),
    "explain.requires_all": ("requires (all)", "vereist (alle)"),
    "explain.dependants": ("dependants (all)", "afhankelijk (alle)"),
    "explain.answers": ("answers", "beantwoordt"),
    "explain.answered_by": ("answered by", "beantwoord door"),
    "explain.file": ("file", "bestand"),
    "explain.expr": ("a condition on", "een voorwaarde op"),
    "explain.verbose": ("details", "details"),
    # validate
    "validate.bundle": (
        "bundle {id}: {form}, {files} files, {items} evidence items, digest {digest}",
        "bundel {id}: {form}, {files} bestanden, {items} bewijsstukken, digest {digest}",
    ),
    "validate.invalid": (
        "invalid evidence {id} ({kind}, {path}): {problem}",
        "ongeldig bewijs {id} ({kind}, {path}): {problem}",
    ),
    "validate.placeholder": (
        "still holds the init placeholder {value!r}; replace it",
        "bevat nog de init-plaatshouder {value!r}; vul die in",
    ),
    "validate.all_false": (
        "warning: every profile fact is false, so almost no norm applies; set the facts that "
        "hold to true",
        "waarschuwing: elk profielfeit is false, dus vrijwel geen norm is van toepassing; zet "
        "de feiten die gelden op true",
    ),
    "validate.unknown_fact": (
        "warning: profile fact {name!r} is not one the norms read{hint}",
        "waarschuwing: profielfeit {name!r} wordt door geen norm gelezen{hint}",
    ),
    "validate.future": (
        "warning: evidence {id} is dated {date}, after the as-of date {as_of}",
        "waarschuwing: bewijs {id} is gedateerd {date}, na de peildatum {as_of}",
    ),
}
