"""Fairness metrics, intervals and verdicts, all derived from confusion counts.

Rates and their intervals
  selection rate ``sel / n``, false positive rate ``fp / (fp + tn)``, false negative rate
  ``fn / (fn + tp)``, precision ``tp / (tp + fp)``: Wilson score intervals.
Comparisons with the reference group
  ratio (Katz log interval; 0.5 added to every count when a numerator is zero) and
  difference (Newcombe's hybrid score interval from the two Wilson intervals).
Multiplicity
  Holm across the groups compared for one metric: groups are ordered by how far their Wald
  statistic lies outside the band; the i-th (from 0) of m gets confidence level
  ``1 - alpha / (m - i)``, and the level stops relaxing at the first group whose interval
  is not wholly outside the band (the step-down rule).
Verdict per comparison
  ``fail`` when the interval lies wholly outside the band, ``pass`` when wholly inside,
  ``review`` otherwise; ``not_estimable`` when a rate is 0/0 (reported as null, never 0) or
  error rates cannot be known (selective labels without a random control sample);
  ``too_small`` below the minimum group size.

With weights, every count is a sum of weights and intervals use Kish's effective sample
size (``w^2 / w2`` for the group, applied proportionally to each denominator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from .counts import Cell, CountTable, Key

RATES = ("selection_rate", "fpr", "fnr", "precision")
METRICS = tuple(f"{rate}_{how}" for rate in RATES for how in ("ratio", "difference"))
ERROR_RATES = ("fpr", "fnr", "precision")
DEFAULT_BANDS = {
    **{f"{rate}_ratio": (0.8, 1.25) for rate in RATES},
    **{f"{rate}_difference": (-0.05, 0.05) for rate in RATES},
}
_NORMAL = NormalDist()


def z_value(alpha: float) -> float:
    """Two-sided normal quantile for confidence level 1 - alpha."""
    return _NORMAL.inv_cdf(1.0 - alpha / 2.0)


def wilson(successes: float, total: float, alpha: float) -> tuple[float, float] | None:
    """Wilson score interval for successes/total (total may be an effective size)."""
    if total <= 0:
        return None
    z = z_value(alpha)
    p = successes / total
    denom = 1.0 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    lower = 0.0 if successes <= 0 else max(0.0, centre - half)
    upper = 1.0 if successes >= total else min(1.0, centre + half)
    return lower, upper


def katz(
    x1: float, n1: float, x2: float, n2: float, alpha: float
) -> tuple[float | None, tuple[float, float] | None]:
    """Ratio (x1/n1)/(x2/n2) and its Katz log interval; None where undefined."""
    if n1 <= 0 or n2 <= 0:
        return None, None
    point = (x1 / n1) / (x2 / n2) if x2 > 0 else None
    if x1 <= 0 or x2 <= 0:
        x1, n1, x2, n2 = x1 + 0.5, n1 + 0.5, x2 + 0.5, n2 + 0.5
    se = math.sqrt(max(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2, 0.0))
    centre = math.log((x1 / n1) / (x2 / n2))
    z = z_value(alpha)
    return point, (math.exp(centre - z * se), math.exp(centre + z * se))


def newcombe(
    x1: float, n1: float, x2: float, n2: float, alpha: float
) -> tuple[float | None, tuple[float, float] | None]:
    """Difference x1/n1 - x2/n2 and Newcombe's hybrid score interval (method 10)."""
    first, second = wilson(x1, n1, alpha), wilson(x2, n2, alpha)
    if first is None or second is None:
        return None, None
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lower = d - math.sqrt((p1 - first[0]) ** 2 + (second[1] - p2) ** 2)
    upper = d + math.sqrt((first[1] - p1) ** 2 + (p2 - second[0]) ** 2)
    return d, (lower, upper)


@dataclass(frozen=True)
class Rate:
    """A rate as numerator/denominator (weighted) and the effective denominator."""

    num: float
    den: float
    eff_den: float

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den > 0 else None

    def eff(self) -> tuple[float, float]:
        """Effective successes and trials for intervals (equal to the counts unweighted)."""
        if self.den <= 0:
            return 0.0, 0.0
        return self.num * self.eff_den / self.den, self.eff_den


def group_rates(
    cell: Cell, adverse: str, selective: bool, has_outcome: bool, has_control: bool
) -> dict[str, tuple[Rate | None, str | None]]:
    """Each rate of one group, or None with the reason it is not estimable."""
    factor = cell.w / cell.w2 if cell.w2 > 0 else 0.0
    # Kish's factor of a cell whose weights under- or overflowed (w2 == 0 or inf) is no
    # number to build an interval on: such a rate is not estimable, never a division by 0.
    usable = math.isfinite(factor) and factor > 0

    def rate(num: float, den: float) -> tuple[Rate | None, str | None]:
        if den <= 0:
            return None, "zero_denominator"
        if not usable or not math.isfinite(num) or not math.isfinite(den) or den * factor <= 0:
            return None, "degenerate_weights"
        return Rate(num, den, den * factor), None

    adverse_count = cell.sel if adverse == "selected" else cell.w - cell.sel
    out: dict[str, tuple[Rate | None, str | None]] = {"selection_rate": rate(adverse_count, cell.w)}
    if not has_outcome:
        for name in ERROR_RATES:
            out[name] = (None, "no_outcome")
        return out
    if selective:
        out["precision"] = rate(cell.tp, cell.tp + cell.fp)
        if has_control:
            out["fpr"] = rate(cell.cfp, cell.cfp + cell.ctn)
            out["fnr"] = rate(cell.cfn, cell.cfn + cell.ctp)
        else:
            out["fpr"] = (None, "selective_labels")
            out["fnr"] = (None, "selective_labels")
        return out
    out["fpr"] = rate(cell.fp, cell.fp + cell.tn)
    out["fnr"] = rate(cell.fn, cell.fn + cell.tp)
    out["precision"] = rate(cell.tp, cell.tp + cell.fp)
    return out


@dataclass
class Settings:
    metrics: tuple[str, ...]
    bands: dict[str, tuple[float, float]]
    min_group_size: int = 30
    alpha: float = 0.05
    reference: str | dict[str, str] = "largest"  # largest | most_favoured | {attribute: value}
    adverse: str = "selected"  # selected | not_selected
    groupings: tuple[tuple[str, ...], ...] = ()
    notes: list[str] = field(default_factory=list)


def _r(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 6)


def _c(value: float) -> float | int | None:
    """A count: an int when whole (unweighted), else rounded."""
    return int(value) if float(value).is_integer() else _r(value)


def _interval(pair: tuple[float, float] | None) -> list[float | None] | None:
    return None if pair is None else [_r(pair[0]), _r(pair[1])]


def _label(attributes: tuple[str, ...], key: Key) -> dict[str, str | None]:
    return dict(zip(attributes, key, strict=True))


def _choose_reference(
    groups: dict[Key, Cell],
    attributes: tuple[str, ...],
    settings: Settings,
    rates: dict[Key, dict[str, tuple[Rate | None, str | None]]],
) -> tuple[Key | None, str]:
    eligible = [k for k, c in groups.items() if c.n >= settings.min_group_size] or list(groups)
    if not eligible:
        return None, "no groups"
    ref = settings.reference
    if isinstance(ref, dict):
        if all(a in ref for a in attributes):
            key = tuple(str(ref[a]) for a in attributes)
            if key in groups:
                return key, "named"
            settings.notes.append(
                f"named reference {dict(zip(attributes, key, strict=True))} not in the data; "
                "using the largest group"
            )
        ref = "largest"
    if ref == "most_favoured":

        def adverse_rate(key: Key) -> float:
            value = rates[key]["selection_rate"][0]
            return value.value if value is not None and value.value is not None else math.inf

        best = min(eligible, key=lambda k: (adverse_rate(k), -groups[k].n, str(k)))
        return best, "most_favoured"
    best = max(eligible, key=lambda k: (groups[k].w, groups[k].n, tuple(v or "" for v in k)))
    return best, "largest"


def _wald_outside(metric: str, a: Rate, b: Rate, band: tuple[float, float]) -> float:
    """How far (in standard errors) a comparison lies outside the band; ordering only."""
    x1, n1 = a.eff()
    x2, n2 = b.eff()
    if metric.endswith("_ratio"):
        if x1 <= 0 or x2 <= 0:
            x1, n1, x2, n2 = x1 + 0.5, n1 + 0.5, x2 + 0.5, n2 + 0.5
        est = math.log((x1 / n1) / (x2 / n2))
        se = math.sqrt(max(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2, 1e-12))
        lo, hi = math.log(band[0]), math.log(band[1])
    else:
        p1, p2 = x1 / n1, x2 / n2
        est = p1 - p2
        se = math.sqrt(max(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, 1e-12))
        lo, hi = band
    if est > hi:
        return (est - hi) / se
    if est < lo:
        return (lo - est) / se
    return -min(est - lo, hi - est) / se


def _compare(
    metric: str, a: Rate, b: Rate, alpha: float
) -> tuple[float | None, tuple[float, float] | None]:
    x1, n1 = a.eff()
    x2, n2 = b.eff()
    if metric.endswith("_ratio"):
        point, interval = katz(x1, n1, x2, n2, alpha)
        if a.value is not None and b.value:
            point = a.value / b.value
        return point, interval
    point, interval = newcombe(x1, n1, x2, n2, alpha)
    if a.value is not None and b.value is not None:
        point = a.value - b.value
    return point, interval


def _verdict(interval: tuple[float, float] | None, band: tuple[float, float]) -> str:
    if interval is None:
        return "not_estimable"
    lo, hi = interval
    if hi < band[0] or lo > band[1]:
        return "fail"
    if lo >= band[0] and hi <= band[1]:
        return "pass"
    return "review"


def evaluate_grouping(
    table: CountTable, attributes: tuple[str, ...], settings: Settings
) -> dict[str, Any]:
    """The per-group table and every comparison with the reference, for one grouping."""
    groups = table.rollup(attributes)
    selective = table.selective_labels
    rates = {
        key: group_rates(cell, settings.adverse, selective, table.has_outcome, table.has_control)
        for key, cell in groups.items()
    }
    ref_key, ref_rule = _choose_reference(groups, attributes, settings, rates)
    rows = []
    for key, cell in groups.items():
        rate_out: dict[str, Any] = {}
        for name, (rate, why) in rates[key].items():
            if rate is None or rate.value is None:
                rate_out[name] = {"value": None, "not_estimable": why or "zero_denominator"}
            else:
                x, n = rate.eff()
                rate_out[name] = {
                    "value": _r(rate.value),
                    "interval": _interval(wilson(x, n, settings.alpha)),
                }
        row: dict[str, Any] = {
            "group": _label(attributes, key),
            "n": cell.n,
            "selected": _c(cell.sel),
            "tp": _c(cell.tp),
            "fp": _c(cell.fp),
            "tn": _c(cell.tn),
            "fn": _c(cell.fn),
            "rates": rate_out,
            "below_min_size": cell.n < settings.min_group_size,
        }
        if table.weighted:
            row["weight"] = _r(cell.w)
            row["effective_n"] = _r(cell.w * cell.w / cell.w2) if cell.w2 > 0 else 0
        if table.has_control:
            row["control"] = {
                k: _c(getattr(cell, k)) for k in ("ctl_n", "ctp", "cfp", "ctn", "cfn")
            }
        rows.append(row)

    comparisons: list[dict[str, Any]] = []
    for metric in settings.metrics:
        base = metric.rsplit("_", 1)[0]
        band = settings.bands[metric]
        tested: list[tuple[Key, Rate, Rate]] = []
        for key, cell in groups.items():
            if key == ref_key:
                continue
            entry: dict[str, Any] = {
                "group": _label(attributes, key),
                "metric": metric,
                "band": list(band),
            }
            if ref_key is None:
                continue
            if cell.n < settings.min_group_size:
                comparisons.append(
                    {**entry, "value": None, "interval": None, "verdict": "too_small"}
                )
                continue
            rate, why = rates[key][base]
            ref_rate, ref_why = rates[ref_key][base]
            if rate is None or ref_rate is None:
                reason = why if rate is None else f"reference: {ref_why}"
                comparisons.append(
                    {
                        **entry,
                        "value": None,
                        "interval": None,
                        "verdict": "not_estimable",
                        "not_estimable": reason,
                    }
                )
                continue
            tested.append((key, rate, ref_rate))
        comparisons.extend(_holm_compare(metric, tested, band, settings.alpha, attributes))
    if ref_key is not None and len(groups) < 2:
        settings.notes.append(f"only one group for {', '.join(attributes)}: nothing to compare")
    return {
        "attributes": list(attributes),
        "reference": None if ref_key is None else _label(attributes, ref_key),
        "reference_rule": ref_rule,
        "groups": rows,
        "comparisons": comparisons,
    }


def _holm_compare(
    metric: str,
    tested: list[tuple[Key, Rate, Rate]],
    band: tuple[float, float],
    alpha: float,
    attributes: tuple[str, ...],
) -> list[dict[str, Any]]:
    stats = [_wald_outside(metric, a, b, band) for _, a, b in tested]
    order = sorted(range(len(tested)), key=lambda i: -stats[i])
    m = len(tested)
    out: list[dict[str, Any] | None] = [None] * m
    level = alpha / m if m else alpha
    stopped = False
    for rank, index in enumerate(order):
        if not stopped:
            level = alpha / (m - rank)
        key, a, b = tested[index]
        point, interval = _compare(metric, a, b, level)
        verdict = _verdict(interval, band)
        if verdict != "fail":
            stopped = True
        result: dict[str, Any] = {
            "group": _label(attributes, key),
            "metric": metric,
            "band": list(band),
            "value": _r(point),
            "interval": _interval(interval),
            "confidence": _r(1 - level),
            "verdict": verdict,
        }
        if point is None:
            result["not_estimable"] = "reference rate is zero (ratio undefined; interval uses +0.5)"
        out[index] = result
    return [item for item in out if item is not None]


def verdict_of(groupings: list[dict[str, Any]]) -> tuple[str, dict[str, int]]:
    """Overall: fail if any comparison fails; pass if every comparison passes; else review."""
    tally = dict.fromkeys(("fail", "pass", "review", "not_estimable", "too_small"), 0)
    for grouping in groupings:
        for comparison in grouping["comparisons"]:
            tally[comparison["verdict"]] += 1
    if tally["fail"]:
        return "fail", tally
    tested = tally["pass"] + tally["review"] + tally["not_estimable"]
    if tested and tally["pass"] == tested:
        return "pass", tally
    return "review", tally


def evaluate(table: CountTable, settings: Settings) -> dict[str, Any]:
    """Every grouping's table and comparisons, the overall verdict and its tally."""
    groupings = settings.groupings or tuple((a,) for a in table.attributes)
    results = [evaluate_grouping(table, grouping, settings) for grouping in groupings]
    verdict, tally = verdict_of(results)
    return {
        "verdict": verdict,
        "tally": tally,
        "groupings": results,
        "rows": table.rows,
        "weighted": table.weighted,
        "selective_labels": table.selective_labels,
        "control_sample": table.has_control,
        "adverse": settings.adverse,
        "alpha": settings.alpha,
        "min_group_size": settings.min_group_size,
        "bands": {m: list(settings.bands[m]) for m in settings.metrics},
        "notes": list(dict.fromkeys(settings.notes)),
    }
