"""``group_metric``: fairness metrics on a decisions dataset (design section 8).

Example::

    params:
      bands: {selection_rate_ratio: [0.8, 1.25], fpr_difference: [-0.05, 0.05]}
      min_group_size: 30
      alpha: 0.05
      reference: largest          # largest | most_favoured | {nationality_group: NL}
      adverse: selected           # being flagged is the adverse outcome
    checks:
      - kind: group_metric
        dataset: decisions        # evidence name: decisions-dataset (or group-counts)
        counts: group_counts      # optional alternative: pre-aggregated counts
        requirements: fairness_requirements   # optional: declared in advance, may tighten
        metrics: [selection_rate_ratio, fpr_difference]
        intersections: true

Thresholds live in the norm's ``params`` so profiles can tailor them; a
fairness-requirements document decided *before* the dataset's date may tighten them (a
narrower band for a metric the check compares, a larger minimum group size), add
groupings and name the reference group. The verdict is ``fail`` when some comparison's
(Holm-adjusted) interval lies wholly outside its band, ``pass`` when every comparison's
lies wholly inside, and ``review`` otherwise; the values carry the full per-group table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..messages import text as message
from ..results import CheckResult, Status
from ..timeutil import parse_date
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext

#: Kept here (not imported from datasets.metrics) so that compiling norms stays light.
METRIC_NAMES = tuple(
    f"{rate}_{how}"
    for rate in ("selection_rate", "fpr", "fnr", "precision")
    for how in ("ratio", "difference")
)


@dataclass(frozen=True)
class GroupMetricConfig(CheckConfig):
    """Fairness metrics per group of a decisions dataset, judged against bands."""

    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["group_metric"]
    metrics: list[str]
    """Metrics to compare across groups: selection_rate, fpr, fnr or precision, each as
    _ratio (bands like [0.8, 1.25]) or _difference (bands like [-0.05, 0.05])."""
    dataset: str | None = None
    """Evidence name of a decisions-dataset input."""
    counts: str | None = None
    """Evidence name of a group-counts input, used when the dataset is absent."""
    requirements: str | None = None
    """Evidence name of a fairness-requirements input (declared in advance; may tighten)."""
    groupings: list[list[str]] | None = None
    """Attribute combinations to compare; default: each group attribute on its own."""
    intersections: bool = False
    """Also compare every pair of group attributes (intersectional groups)."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}; shown in the finding."""


def _band(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not all(math.isfinite(v) for v in value)
        or value[0] > value[1]
    ):
        raise ValueError(f"{where}: a band is [low, high] with low <= high")
    return float(value[0]), float(value[1])


@register
class GroupMetricCheck:
    kind: ClassVar[str] = "group_metric"
    config_type: ClassVar[type] = GroupMetricConfig

    def __init__(self, config: GroupMetricConfig, norm: CompiledNorm) -> None:
        self.config = config
        unknown = [m for m in config.metrics if m not in METRIC_NAMES]
        if unknown or not config.metrics:
            raise CheckConfigError(
                f"unknown metric(s) {unknown}; known: {', '.join(METRIC_NAMES)}", "metrics"
            )
        if not config.dataset and not config.counts:
            raise CheckConfigError("name a dataset or counts input", "dataset")
        names = tuple(n for n in (config.dataset, config.counts, config.requirements) if n)
        norm.require_inputs(names, "dataset")

    def evaluate(self, ctx: NormContext) -> CheckResult:
        try:
            return self._evaluate(ctx)
        except ValueError as exc:
            return _result(
                Status.ERROR,
                f"invalid metric settings: {exc}",
                f"ongeldige instellingen: {exc}",
                {},
            )

    def _evaluate(self, ctx: NormContext) -> CheckResult:
        from ..datasets.load import counts_for, describe, problems
        from ..datasets.metrics import DEFAULT_BANDS, Settings, evaluate

        item = ctx.evidence.get(self.config.dataset) if self.config.dataset else None
        if item is None and self.config.counts:
            item = ctx.evidence.get(self.config.counts)
        if item is None:
            return _result(
                Status.MISSING,
                "no decisions dataset or group counts: disparity is not demonstrated",
                "geen beslisdataset of groepstellingen: ongelijkheid is niet onderzocht",
                {},
            )
        params = dict(ctx.params or {})
        bands = {m: tuple(v) for m, v in DEFAULT_BANDS.items()}
        for metric, value in (params.get("bands") or {}).items():
            bands[str(metric)] = _band(value, f"params.bands.{metric}")
        settings = Settings(
            metrics=tuple(self.config.metrics),
            bands=bands,  # type: ignore[arg-type]
            min_group_size=int(params.get("min_group_size", 30)),
            alpha=float(params.get("alpha", 0.05)),
            reference=params.get("reference", "largest"),
            adverse=str(params.get("adverse", "selected")),
        )
        if settings.adverse not in ("selected", "not_selected"):
            raise ValueError("params.adverse must be selected or not_selected")
        if not 0 < settings.alpha < 1:
            raise ValueError("params.alpha must lie between 0 and 1")
        table = counts_for(item)
        bad = problems(table)
        if bad:
            text = "; ".join(bad)
            return _result(
                Status.ERROR,
                f"dataset {item.id} has invalid rows: {text}",
                f"dataset {item.id} heeft ongeldige rijen: {text}",
                {"dataset": describe(item), "invalid": table.invalid},
            )
        groupings: list[tuple[str, ...]] = [tuple(g) for g in self.config.groupings or []]
        requirements = (
            ctx.evidence.get(self.config.requirements) if self.config.requirements else None
        )
        applied = None
        if requirements is not None and requirements.content is not None:
            applied = _tighten(settings, requirements, item, groupings)
        if not groupings:
            groupings = [(a,) for a in table.attributes]
        if self.config.intersections:
            groupings += [pair for pair in combinations(table.attributes, 2)]
        groupings = list(dict.fromkeys(groupings))
        missing = sorted({a for g in groupings for a in g} - set(table.attributes))
        if missing:
            settings.notes.append(
                f"attribute(s) {missing} are not group columns of {item.id}: not compared"
            )
            groupings = [g for g in groupings if set(g) <= set(table.attributes)]
        settings.groupings = tuple(groupings)
        report = evaluate(table, settings)
        report["dataset"] = describe(item)
        if applied is not None:
            report["requirements"] = applied
        status = {"fail": Status.FAIL, "pass": Status.PASS, "review": Status.REVIEW}[
            report["verdict"]
        ]
        if missing:
            status = Status.FAIL if status is Status.FAIL else Status.REVIEW
        en, nl = _summary(report, self.config.explain or {})
        thresholds = {
            "bands": report["bands"],
            "min_group_size": settings.min_group_size,
            "alpha": settings.alpha,
        }
        return CheckResult("group_metric", status, {"en": en, "nl": nl}, report, thresholds)


def _tighten(
    settings: Any, requirements: Any, dataset: Any, groupings: list[tuple[str, ...]]
) -> dict[str, Any]:
    """Apply a fairness-requirements document decided before the dataset's date."""
    content = requirements.content
    decided = content.get("decided_on") or (
        requirements.date.isoformat() if requirements.date else None
    )
    applied: dict[str, Any] = {"id": requirements.id, "decided_on": decided, "used": False}
    try:
        decided_day = parse_date(str(decided)) if decided else None
    except ValueError:
        decided_day = None
    if decided_day is None or dataset.date is None or decided_day >= dataset.date:
        settings.notes.append(
            f"fairness requirements {requirements.id} are not dated before dataset "
            f"{dataset.id}: declared thresholds ignored, the norm's params apply"
        )
        return applied
    applied["used"] = True
    for entry in content.get("metrics") or []:
        metric = entry.get("metric")
        if metric not in METRIC_NAMES:
            continue
        if metric not in settings.metrics:
            continue  # a declared metric this check does not compare: another norm's
        if "band" in entry:
            low, high = _band(entry["band"], f"{requirements.id} metrics.{metric}.band")
            current = settings.bands[metric]
            settings.bands[metric] = (max(low, current[0]), min(high, current[1]))
            if settings.bands[metric][0] > settings.bands[metric][1]:
                raise ValueError(f"{metric}: declared band does not overlap the norm's band")
    if isinstance(content.get("min_group_size"), int):
        settings.min_group_size = max(settings.min_group_size, content["min_group_size"])
    if "reference" in content:
        settings.reference = content["reference"]
    if content.get("adverse_outcome") in ("selected", "not_selected"):
        settings.adverse = content["adverse_outcome"]
    for attribute in content.get("attributes") or []:
        groupings.append((str(attribute),))
    for pair in content.get("intersections") or []:
        groupings.append(tuple(str(a) for a in pair))
    return applied


def _fmt(value: Any, lang: str = "en") -> str:
    return message("check.group_metric.not_available", lang) if value is None else f"{value:.3g}"


def _summary(report: dict[str, Any], explain: dict[str, str]) -> tuple[str, str]:
    """The reason in both languages: verdict, tally and the (at most three) worst groups."""
    worst = [
        (g, c)
        for g in report["groupings"]
        for c in g["comparisons"]
        if c["verdict"] == report["verdict"]
        or (report["verdict"] == "review" and c["verdict"] in ("review", "not_estimable"))
    ][:3]
    en, nl = (_summary_in(report, worst, explain, lang) for lang in ("en", "nl"))
    return en, nl


def _summary_in(
    report: dict[str, Any],
    worst: list[tuple[dict[str, Any], dict[str, Any]]],
    explain: dict[str, str],
    lang: str,
) -> str:
    parts = []
    for grouping, comparison in worst:
        label = ", ".join(f"{k}={v}" for k, v in comparison["group"].items())
        ref = ", ".join(f"{k}={v}" for k, v in (grouping["reference"] or {}).items())
        interval = comparison.get("interval")
        span = (
            f"[{_fmt(interval[0], lang)}, {_fmt(interval[1], lang)}]"
            if interval
            else _fmt(None, lang)
        )
        extra = f" ({comparison['not_estimable']})" if comparison.get("not_estimable") else ""
        parts.append(
            message(
                "check.group_metric.comparison",
                lang,
                metric=comparison["metric"],
                group=label,
                reference=ref,
                value=_fmt(comparison.get("value"), lang),
                interval=span,
                band=comparison["band"],
                extra=extra,
            )
        )
    counts = ", ".join(
        f"{message(f'check.group_metric.tally.{k}', lang)} {v}"
        for k, v in report["tally"].items()
        if v
    )
    detail = "; ".join(parts)
    verdict = report["verdict"]
    if verdict == "fail" and lang in explain:  # the norm's own words head a failure
        head = explain[lang]
    else:
        head = message(f"check.group_metric.{verdict}", lang)
    return head + f" ({counts})" + (f": {detail}" if detail else "")


def _result(status: Status, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
    return CheckResult("group_metric", status, {"en": en, "nl": nl}, values)
