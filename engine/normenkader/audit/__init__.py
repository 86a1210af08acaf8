"""The audit workflow around a check: waivers, supervisors' judgements, diffs and baselines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from pathlib import Path

    from ..engine import Options
    from ..evidence.signing import TrustedKey
    from ..norms.compiled import NormSet


def evaluation_options(
    norm_set: NormSet,
    as_of: date,
    waivers: Path | None = None,
    waiver_policy: Path | None = None,
    assessments: Path | None = None,
    trusted_keys: Sequence[TrustedKey] | None = None,
) -> Options:
    """Engine options for a run, with the waiver and judgement files loaded (exit 3 if bad).

    With ``trusted_keys`` (the keys of ``--trusted-keys``) waivers and judgements are judged
    in signed mode: only records signed by keys with the right roles count (see ``waivers``
    and ``assessments``); without, their names are compared and they are marked unsigned.
    """
    from ..engine import Options

    options = Options(as_of=as_of)
    if waivers:
        from .waivers import load_waivers

        known = {norm.id: norm.waivable for norm in norm_set.norms.values()}
        options.waivers = load_waivers(waivers, waiver_policy, known, trusted_keys)
    if assessments:
        from .assessments import load_assessments

        options.judgements = load_assessments(assessments, trusted_keys)
    return options
