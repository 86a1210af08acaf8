"""``normenkader explain``: one norm in words (params, bands, each check), as data and text.

The text shows each check by its ``explain`` text; a check without one is described by
its kind and the evidence fields it reads. Raw CEL and check settings appear only with
``--verbose`` (and always in the JSON form's ``checks[].settings`` when verbose).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import words

if TYPE_CHECKING:
    from .compiled import CompiledNorm, NormSet

#: the words of the text form, from the message catalogue (``explain.*``)
_LABELS = {lang: words("explain", lang) for lang in ("en", "nl")}

#: check settings shown in words when a check has no explain text
_SHOWN_SETTINGS = ("metrics", "dataset", "counts", "requirements", "grounds", "evidence")


def describe(norm_set: NormSet, norm: CompiledNorm, lang: str, verbose: bool) -> dict[str, Any]:
    """The norm as plain data; ``verbose`` adds each check's raw settings (CEL included)."""
    from .graph import dependants, prerequisites

    reads = norm.fields_read
    checks: list[dict[str, Any]] = []
    for data in norm.check_data:
        entry: dict[str, Any] = {"kind": data.get("kind"), "text": _check_text(data, reads, lang)}
        if data.get("attested"):
            entry["attested"] = True
        if verbose:
            entry["settings"] = {
                k: v for k, v in data.items() if k != "explain" and v not in (None, False)
            }
        checks.append(entry)
    evidence = []
    for name, spec in norm.evidence.items():
        evidence.append(
            {
                "name": name,
                "kind": spec.kind,
                "max_age": spec.max_age,
                "id": spec.id,
                "optional": bool(spec.optional),
                "reads": reads.get(name, []),
            }
        )
    params = dict(norm.params)
    bands = params.get("bands") if isinstance(params.get("bands"), dict) else None
    return {
        "id": norm.id,
        "title": norm.title.get(lang) or norm.title["en"],
        "severity": norm.severity,
        "waivable": norm.waivable,
        "description": norm.description.get(lang) or norm.description["en"],
        "derived_from": [dict(source) for source in norm.derived_from],
        "legal_basis": list(norm.legal_basis),
        "effective": dict(norm.effective) if norm.effective else None,
        "applies_if": norm.applies_if,
        "evidence": evidence,
        "params": {k: v for k, v in params.items() if k != "bands"},
        "bands": bands,
        "checks": checks,
        "review": bool(norm.review),
        "requires": list(norm.requires),
        "requires_all": prerequisites(norm_set, norm.id),
        "dependants": dependants(norm_set, norm.id),
        "answers": list(norm.answers),
        "answered_by": norm_set.answered_by(norm.id),
        "file": str(norm.source),
    }


def _check_text(data: dict[str, Any], reads: dict[str, list[str]], lang: str) -> str:
    explain = data.get("explain")
    if isinstance(explain, dict) and (explain.get(lang) or explain.get("en")):
        return str(explain.get(lang) or explain.get("en"))
    words = _LABELS[lang]
    if data.get("kind") == "expr":
        used = [f"{name}{', '.join(p for p in ptrs)}" for name, ptrs in reads.items() if ptrs]
        return f"{words['expr']} {'; '.join(used) or '-'}"
    shown = [f"{key} {_value(data[key])}" for key in _SHOWN_SETTINGS if data.get(key)]
    return f"{data.get('kind')}: {', '.join(shown)}" if shown else str(data.get("kind"))


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(data: dict[str, Any], lang: str) -> str:
    """The terminal text of ``describe``'s data."""
    words = _LABELS[lang]
    out = [
        f"{data['id']}  {data['title']}",
        f"  {words['severity']}: {data['severity']}"
        + ("" if data["waivable"] else words["not_waivable"]),
        "",
        "  " + data["description"],
        "",
        f"  {words['derived_from']}:",
    ]
    out += [f"    - {s['catalogue']} {s['id']} ({s['version']})" for s in data["derived_from"]]
    if data["legal_basis"]:
        out.append(f"  {words['legal_basis']}: {'; '.join(data['legal_basis'])}")
    if data["effective"]:
        until = data["effective"].get("until") or ""
        out.append(f"  {words['in_force']}: {data['effective']['from']} .. {until}")
    out.append(f"  {words['applies_if']}: {data['applies_if'] or words['always']}")
    out.append(f"  {words['evidence']}:")
    for item in data["evidence"]:
        extras = [f"max_age {item['max_age']}"] if item["max_age"] else []
        if item["id"]:
            extras.append(f"id {item['id']}")
        if item["optional"]:
            extras.append(words["optional"])
        if item["reads"]:
            extras.append(f"{words['reads']} {', '.join(item['reads'])}")
        out.append(
            f"    - {item['name']}: {item['kind']}" + (f" ({'; '.join(extras)})" if extras else "")
        )
    if not data["evidence"]:
        out.append(f"    {words['none']}")
    if data["params"]:
        out.append(f"  {words['params']}:")
        out += [f"    - {key}: {_value(value)}" for key, value in data["params"].items()]
    if data["bands"]:
        out.append(f"  {words['bands']}:")
        out += [f"    - {metric}: {_value(band)}" for metric, band in data["bands"].items()]
    out.append(f"  {words['checks']}:")
    for check in data["checks"]:
        attested = words["attested"] if check.get("attested") else ""
        out.append(f"    - {check['text']}{attested}")
        for key, value in (check.get("settings") or {}).items():
            out.append(f"        {key}: {_value(value)}")
    if data["review"]:
        out.append(f"  {words['review']}")
    out.append(f"  {words['requires_direct']}: {', '.join(data['requires']) or '-'}")
    out.append(f"  {words['requires_all']}: {', '.join(data['requires_all']) or '-'}")
    out.append(f"  {words['dependants']}: {', '.join(data['dependants']) or '-'}")
    out.append(f"  {words['answers']}: {', '.join(data['answers']) or '-'}")
    out.append(f"  {words['answered_by']}: {', '.join(data['answered_by']) or '-'}")
    out.append(f"  {words['file']}: {data['file']}")
    return "\n".join(out) + "\n"
