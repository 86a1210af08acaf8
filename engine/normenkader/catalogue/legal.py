"""Turn the law citations of an Algoritmekader requirement into our law-article ids.

Upstream requirement pages list their legal sources as Markdown links under ``## Bronnen``
("Artikel 26(6) Verordening Artificiële Intelligentie", "Artikel 5 lid 1 onder c AVG" ...).
Only the *citation* carries over (which article of which law); the link text itself is not
kept. Our ids are article-level and short: ``AI Act art. 26``, ``AVG art. 5``,
``AI Act annex III``, ``AVG recital 39``, ``Awb afd. 3.2``, ``Grondwet art. 1``. Links to
guidance (AP advice, handbooks, e-learnings) are not law and are skipped.
"""

from __future__ import annotations

import re

#: Upstream instrument names (as they appear in link titles) -> our short instrument id.
#: Longer names first, so "Uitvoeringswet AVG" is not read as "AVG".
INSTRUMENTS: tuple[tuple[str, str], ...] = (
    (
        "Protocol nr. 12 bij het Verdrag tot bescherming van de rechten van de mens",
        "EVRM Protocol 12",
    ),
    ("Verdrag tot bescherming van de rechten van de mens", "EVRM"),
    ("Handvest van de grondrechten van de Europese Unie", "EU-Handvest"),
    (
        "Protocol betreffende de toepassing van de beginselen van subsidiariteit en evenredigheid",
        "VEU Protocol 2",
    ),
    ("Verdrag betreffende de Europese Unie", "VEU"),
    ("Besluit voorschrift informatiebeveiliging rijksdienst 2007", "VIR 2007"),
    ("Baseline Informatiebeveiliging Overheid", "BIO"),
    ("Verordening Artificiële Intelligentie", "AI Act"),
    ("Algemene Verordening Gegevensbescherming", "AVG"),
    ("Algemene wet gelijke behandeling", "AWGB"),
    ("Algemene wet bestuursrecht", "Awb"),
    ("DSM-auteursrechtrichtlijn", "DSM-richtlijn"),
    ("Uitvoeringswet AVG", "UAVG"),
    ("Aanbestedingswet 2012", "Aanbestedingswet 2012"),
    ("Wet open overheid", "Woo"),
    ("Databankrichtlijn", "Databankrichtlijn"),
    ("Databankenwet", "Databankenwet"),
    ("Archiefwet 1995", "Archiefwet 1995"),
    ("Archiefbesluit 1995", "Archiefbesluit 1995"),
    ("Archiefregeling", "Archiefregeling"),
    ("AI-verordening", "AI Act"),
    ("AI-wet", "AI Act"),
    ("Auteurswet", "Auteurswet"),
    ("Grondwet", "Grondwet"),
    ("UAVG", "UAVG"),
    ("AVG", "AVG"),
    ("Awb", "Awb"),
)

_KINDS: tuple[tuple[str, str], ...] = (
    ("artikelen", "art."),
    ("artikel", "art."),
    ("overwegingen", "recital"),
    ("overweging", "recital"),
    ("bijlage", "annex"),
    ("afdeling", "afd."),
    ("hoofdstuk", ""),
)
_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_SPLIT = re.compile(r",|\s+en\s+|\s+jo\.\s+")


def _instrument(title: str) -> tuple[str, str] | None:
    """(our instrument id, text before the instrument name), or None when not law."""
    folded = title.casefold()
    for name, ident in INSTRUMENTS:
        at = folded.find(name.casefold())
        if at >= 0:
            return ident, title[:at]
    return None


def _numbers(spec: str, expand: bool) -> list[str]:
    """Article numbers in a spec like '5 lid 1 onder a en b', '15 - 21', '3:46 en 3:47'."""
    spec = re.sub(r"\([^)]*\)", " ", spec)  # paragraphs: 9(1), 27(1 sub e), 49 (3)
    spec = re.sub(r",?\s*(lid|onder|sub|onderdeel)\b.*$", "", spec)
    tokens: list[str] = []
    for part in _SPLIT.split(spec):
        part = part.strip(" ,")
        if not part:
            continue
        match = _RANGE.match(part)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if expand and 0 < high - low <= 20:
                tokens.extend(str(n) for n in range(low, high + 1))
            else:
                tokens.append(f"{low}-{high}")
        else:
            tokens.append(part.split()[0])
    return tokens


def law_ids(title: str) -> list[str]:
    """Our law-article ids for one upstream citation title; [] when it is not a law."""
    title = " ".join(title.replace("\u00a0", " ").split())
    found = _instrument(title)
    if found is None:
        return []
    instrument, before = found
    before = before.strip(" ,")
    if not before:
        # the whole instrument ("Grondwet", "Baseline Informatiebeveiliging Overheid")
        return [instrument]
    head, _, rest = before.partition(" ")
    kind = next((ours for word, ours in _KINDS if head.casefold() == word), None)
    if kind is None:
        return []  # guidance that mentions a law ("Advies artikel 22 AVG ...")
    if kind == "":  # "Hoofdstuk 12.4 BIO"
        return [f"{instrument} {rest.split()[0]}"] if rest else [instrument]
    if kind == "annex":
        numeral = rest.replace(",", " ").split()[0]
        return [f"{instrument} annex {numeral}"]
    numbers = _numbers(rest, expand=kind == "art.")
    return [f"{instrument} {kind} {number}" for number in numbers]


def bronnen_titles(markdown: str) -> list[str]:
    """The link titles in the ``## Bronnen`` section of an upstream page."""
    section: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            inside = line.strip().casefold() == "## bronnen"
            continue
        if inside:
            section.append(line)
    return re.findall(r"\[([^\]]+)\]\(", "\n".join(section))


def law_ids_of_page(markdown: str) -> list[str]:
    """All our law-article ids cited in a requirement page, in first-cited order, unique."""
    seen: dict[str, None] = {}
    for title in bronnen_titles(markdown):
        for ident in law_ids(title):
            seen.setdefault(ident, None)
    return list(seen)
