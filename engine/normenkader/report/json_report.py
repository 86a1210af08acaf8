"""The JSON report: deterministic, byte for byte.

Same norms, same bundle, same as-of date (and waiver/assessment files) give the same bytes
whatever PYTHONHASHSEED, TZ or locale: keys are sorted, lists are sorted where order is
not meaningful, no wall-clock time or host name is written, floats use Python's shortest
round-trip repr.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..norms.compiled import NormSet
    from ..results import Result
    from .context import Context


def to_json(data: Any) -> str:
    """Canonical-style JSON: sorted keys, compact (the C encoder), one trailing newline.

    Pipe it through ``python -m json.tool`` or ``jq`` to read it.
    """
    return (
        json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        + "\n"
    )


def render(
    result: Result,
    *,
    lang: str = "en",
    norm_set: NormSet | None = None,
    context: Context | None = None,
) -> str:
    """The result as JSON; with a context, each finding gets ``baseline_state`` (and
    ``inputs.baseline`` names the baseline) and evidence that goes stale soon is added
    to ``notices`` (code ``evidence_stale_soon``)."""
    data = result.to_dict()
    if context is not None and context.baseline is not None:
        data["baseline"] = {
            **context.baseline.source,
            "known": len(context.baseline.known),
        }
        for finding in data["findings"]:
            state = context.state(finding["norm_id"])
            if state is not None:
                finding["baseline_state"] = state
    if context is not None and context.stale_soon:
        data["notices"] = [*data["notices"], *(s.to_notice() for s in context.stale_soon)]
    return to_json(data)


def report_digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()
