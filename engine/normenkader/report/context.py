"""What a report shows beyond the ``Result``: the baseline comparison and the evidence that
will go stale soon.

Both are computed by ``check`` from its inputs (the baseline file; the as-of date, the
window and the norms' ``max_age``), never from today's date, so a report stays
deterministic. The JSON report carries them (``baseline_state`` per finding,
``evidence_stale_soon`` notices); the other formats show them in their own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .. import messages
from ..timeutil import parse_period

if TYPE_CHECKING:
    from ..audit.diff import Baseline
    from ..norms.compiled import NormSet
    from ..results import Result

#: default ``--warn-stale`` window
DEFAULT_WARN_STALE = "P30D"


@dataclass(frozen=True)
class StaleSoon:
    """An evidence item a norm uses that is fresh at the as-of date but will not be on
    ``stale_from`` (its date plus the norm's ``max_age``, plus one day)."""

    norm_id: str
    evidence_id: str
    kind: str
    path: str
    date: str
    max_age: str
    stale_from: str

    def to_notice(self) -> dict[str, Any]:
        return {
            "source": "evidence",
            "code": "evidence_stale_soon",
            "norm_id": self.norm_id,
            "id": self.evidence_id,
            "kind": self.kind,
            "path": self.path,
            "date": self.date,
            "max_age": self.max_age,
            "stale_from": self.stale_from,
            "message": messages.texts(
                "report.stale_soon",
                id=self.evidence_id,
                kind=self.kind,
                date=self.date,
                stale_from=self.stale_from,
                max_age=self.max_age,
            ),
        }


@dataclass(frozen=True)
class Context:
    """Extra inputs of a rendering (both optional)."""

    baseline: Baseline | None = None
    stale_soon: tuple[StaleSoon, ...] = field(default_factory=tuple)

    def state(self, norm_id: str) -> str | None:
        return self.baseline.states.get(norm_id) if self.baseline else None

    def is_new(self, norm_id: str) -> bool:
        return self.baseline is not None and self.baseline.is_new(norm_id)

    def known_count(self) -> int:
        return len(self.baseline.known) if self.baseline else 0


EMPTY = Context()


def warn_window(text: str) -> int | None:
    """``--warn-stale``: an ISO 8601 period (``P30D``, ``P2M``) or ``0`` (off); None for off.
    Returns the window in days from a fixed day, so it is a period, not a wall-clock."""
    if text.strip() in ("0", "P0D", "off"):
        return None
    period = parse_period(text.strip())
    anchor = date(2000, 1, 1)
    return (period.after(anchor) - anchor).days


def stale_soon(result: Result, norm_set: NormSet | None, window: str | None) -> list[StaleSoon]:
    """Evidence used by a finding that is fresh at the as-of date but goes stale within
    ``window`` after it (same inputs, same list)."""
    if window is None or norm_set is None:
        return []
    days = warn_window(window)
    if days is None:
        return []
    as_of = date.fromisoformat(result.as_of[:10])
    horizon = as_of + timedelta(days=days)
    found: dict[tuple[str, str], StaleSoon] = {}
    for finding in result.findings:
        norm = norm_set.norms.get(finding.norm_id)
        if norm is None:
            continue
        for use in finding.evidence:
            spec = norm.evidence.get(use.name)
            if spec is None or not spec.max_age or not use.date or use.problem:
                continue
            try:
                dated = date.fromisoformat(use.date[:10])
                last_fresh = parse_period(spec.max_age).after(dated)
            except ValueError:
                continue
            if last_fresh == date.max:
                continue
            stale_from = last_fresh + timedelta(days=1)
            if as_of < stale_from <= horizon:
                key = (finding.norm_id, use.id)
                found[key] = StaleSoon(
                    finding.norm_id,
                    use.id,
                    use.kind,
                    use.path,
                    dated.isoformat(),
                    spec.max_age,
                    stale_from.isoformat(),
                )
    return sorted(found.values(), key=lambda s: (s.stale_from, s.norm_id, s.evidence_id))
