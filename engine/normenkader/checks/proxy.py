"""``proxy``: features that stand in for a protected attribute (indirect distinction).

Example::

    params: {proxy_threshold: 0.3, proxy_nmi_threshold: 0.2, proxy_bins: 10}
    checks:
      - kind: proxy
        dataset: decisions        # decisions-dataset: features and group columns from its roles
        analysis: proxy_analysis  # proxy-analysis document: per-feature record + justification

For each feature and each protected attribute (the dataset's group columns unless
``attributes`` names them) the check measures Cramér's V and normalised mutual information.
A feature above either threshold fails the check unless the proxy analysis records a
justification for it, which turns the finding into ``review`` (a supervisor weighs the
justification). A feature of the dataset with no record in the proxy analysis fails. Without
a dataset, the associations recorded in the analysis are judged against the thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..errors import InputError
from ..results import CheckResult, Status
from . import PYDANTIC_CONFIG, CheckConfig, CheckConfigError, register

if TYPE_CHECKING:
    from ..norms.compiled import CompiledNorm
    from .context import NormContext


@dataclass(frozen=True)
class ProxyConfig(CheckConfig):
    """Screens decision-data features for proxies of protected attributes (indirect distinction)."""

    __pydantic_config__ = PYDANTIC_CONFIG

    kind: Literal["proxy"]
    dataset: str | None = None
    """Evidence name of a decisions-dataset whose features are screened."""
    analysis: str | None = None
    """Evidence name of the proxy-analysis document (records and justifications)."""
    attributes: list[str] | None = None
    """Protected attributes; default: the dataset's group columns."""
    features: list[str] | None = None
    """Features to screen; default: the dataset's declared features."""
    explain: dict[str, str] | None = None
    """What a failure means, {nl, en}; shown in the finding."""


@register
class ProxyCheck:
    kind: ClassVar[str] = "proxy"
    config_type: ClassVar[type] = ProxyConfig

    def __init__(self, config: ProxyConfig, norm: CompiledNorm) -> None:
        self.config = config
        if not config.dataset and not config.analysis:
            raise CheckConfigError("name a dataset or an analysis input", "dataset")
        names = tuple(n for n in (config.dataset, config.analysis) if n)
        norm.require_inputs(names, "dataset")

    def evaluate(self, ctx: NormContext) -> CheckResult:
        try:
            return self._evaluate(ctx)
        except (TypeError, ValueError) as exc:
            return _result(
                Status.ERROR,
                f"invalid proxy settings: {exc}",
                f"ongeldige proxy-instellingen: {exc}",
                {},
            )

    def _evaluate(self, ctx: NormContext) -> CheckResult:
        params = dict(ctx.params or {})
        v_max = float(params.get("proxy_threshold", 0.3))
        nmi_max = float(params.get("proxy_nmi_threshold", 0.2))
        bins = int(params.get("proxy_bins", 10))
        if not 2 <= bins <= 100:
            raise ValueError("params.proxy_bins must lie between 2 and 100")
        item = ctx.evidence.get(self.config.dataset) if self.config.dataset else None
        doc = ctx.evidence.get(self.config.analysis) if self.config.analysis else None
        content = doc.content if doc is not None and isinstance(doc.content, dict) else {}
        records = {str(r.get("feature")): r for r in content.get("features") or []}
        rows: list[dict[str, Any]] = []
        uncovered: list[str] = []
        if item is not None:
            from ..datasets.load import describe, tables_for
            from ..datasets.proxy import cramers_v, normalised_mi
            from ..datasets.spec import dataset_spec

            spec = dataset_spec(item.entry, item.path)
            if spec.format == "spark":
                raise InputError("DATASET_FORMAT", "proxy screening runs on csv or parquet files")
            features = tuple(self.config.features or spec.features)
            attributes = tuple(self.config.attributes or spec.groups)
            if not features:
                return _result(
                    Status.FAIL,
                    f"dataset {item.id} declares no model features",
                    f"dataset {item.id} noemt geen modelkenmerken",
                    {"dataset": describe(item)},
                )
            tables = tables_for(item, spec, features, attributes, bins)
            for (feature, attribute), table in sorted(tables.items()):
                rows.append(
                    {
                        "feature": feature,
                        "attribute": attribute,
                        "source": "measured",
                        "cramers_v": _r(cramers_v(table)),
                        "nmi": _r(normalised_mi(table)),
                        "levels": len({k[0] for k in table}),
                    }
                )
            if doc is not None:
                uncovered = [f for f in features if f not in records]
        else:
            for name, record in sorted(records.items()):
                value = record.get("association")
                measure = record.get("measure", "cramers_v")
                rows.append(
                    {
                        "feature": name,
                        "attribute": record.get("attribute"),
                        "source": "recorded",
                        "cramers_v": value if measure == "cramers_v" else None,
                        "nmi": value if measure == "nmi" else None,
                    }
                )
        flagged: list[dict[str, Any]] = []
        unmeasured: list[str] = []  # known proxies with no measured association
        for row in rows:
            v, nmi = row.get("cramers_v"), row.get("nmi")
            over = (v is not None and v > v_max) or (nmi is not None and nmi > nmi_max)
            row["above_threshold"] = bool(over)
            record = records.get(row["feature"]) or {}
            justification = str(record.get("justification") or "").strip()
            row["justified"] = bool(justification)
            if over:
                flagged.append(row)
            elif v is None and nmi is None and record.get("known_proxy") and not justification:
                unmeasured.append(row["feature"])
        values: dict[str, Any] = {
            "associations": rows,
            "uncovered_features": uncovered,
            "thresholds": {"cramers_v": v_max, "nmi": nmi_max},
        }
        if item is not None:
            values["dataset"] = {"id": item.id, "sha256": item.record.sha256}
        thresholds = {"cramers_v": v_max, "nmi": nmi_max}
        unjustified = sorted({r["feature"] for r in flagged if not r["justified"]})
        justified = sorted({r["feature"] for r in flagged if r["justified"]} - set(unjustified))
        if uncovered or unjustified:
            parts_en, parts_nl = [], []
            if unjustified:
                parts_en.append(f"proxy without justification: {', '.join(unjustified)}")
                parts_nl.append(f"proxy zonder rechtvaardiging: {', '.join(unjustified)}")
            if uncovered:
                parts_en.append(f"no recorded proxy analysis for: {', '.join(uncovered)}")
                parts_nl.append(f"geen vastgelegde proxyanalyse voor: {', '.join(uncovered)}")
            explain = self.config.explain or {}
            en = "; ".join(parts_en)
            nl = "; ".join(parts_nl)
            return CheckResult(
                "proxy",
                Status.FAIL,
                {
                    "en": f"{explain['en']}: {en}" if "en" in explain else en,
                    "nl": f"{explain['nl']}: {nl}" if "nl" in explain else nl,
                },
                values,
                thresholds,
            )
        if unmeasured and not justified:
            names = ", ".join(sorted(set(unmeasured)))
            return CheckResult(
                "proxy",
                Status.REVIEW,
                {
                    "en": f"known proxy whose association was not measured: {names}",
                    "nl": f"bekende proxy waarvan de samenhang niet is gemeten: {names}",
                },
                values,
                thresholds,
            )
        if justified:
            names = ", ".join(justified)
            return CheckResult(
                "proxy",
                Status.REVIEW,
                {
                    "en": f"strong association, justification to be weighed: {names}",
                    "nl": f"sterke samenhang, rechtvaardiging te beoordelen: {names}",
                },
                values,
                thresholds,
            )
        return CheckResult(
            "proxy",
            Status.PASS,
            {
                "en": "no feature is strongly associated with a protected attribute",
                "nl": "geen kenmerk hangt sterk samen met een beschermd kenmerk",
            },
            values,
            thresholds,
        )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _result(status: Status, en: str, nl: str, values: dict[str, Any]) -> CheckResult:
    return CheckResult("proxy", status, {"en": en, "nl": nl}, values)
