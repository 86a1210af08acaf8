"""What a check kind receives while evaluating one norm on one bundle.

It lives in the checks layer (not in the engine) so check kinds never import the engine
that calls them: the engine builds a ``NormContext`` and hands it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .. import budget
from ..expressions import Expression, make_context
from ..records import Record
from ..timeutil import with_timestamps

if TYPE_CHECKING:
    from ..evidence.bundle import Bundle, EvidenceItem
    from ..norms.compiled import CompiledNorm


@dataclass(repr=False, eq=False)
class NormContext(Record):
    """What a check sees while evaluating one norm on one bundle."""

    norm: CompiledNorm
    bundle: Bundle
    evidence: dict[str, EvidenceItem | None]
    as_of: date
    params: dict[str, Any]
    base: dict[str, Any]
    cel_values: dict[str, Any]
    #: keys of ``--trusted-keys`` (``evidence.signing.TrustedKey``); None: none were given
    trusted_keys: tuple[Any, ...] | None = None
    #: for a norm that answers others: their statuses (CEL ``answered``), by norm id
    answered: dict[str, str] = field(default_factory=dict)
    #: value sizes measured for the evaluation budget, shared by the norms of one bundle
    sizes: budget.Sizes = field(default_factory=dict)
    _context: Any = field(default=None, repr=False)
    _variables: dict[str, Any] | None = field(default=None, repr=False)

    def cel(self) -> Any:
        """The CEL context for this norm (built on first use)."""
        if self._context is None:
            self._context = make_context(self.variables())
        return self._context

    def evaluate(self, expression: Expression) -> Any:
        """Evaluate one of the norm's expressions within the evaluation budget.

        Raises ``EvaluationError``, or its subclass ``BudgetExceeded`` when the expression
        may cost more than the budget on this input (nothing is evaluated then).
        """
        return budget.evaluate(expression, self.variables(), self.cel, sizes=self.sizes)

    def variables(self) -> dict[str, Any]:
        """The CEL variables of this norm: facts, params, evidence inputs and entries."""
        if self._variables is None:
            self._variables = self._build_variables()
        return self._variables

    def _build_variables(self) -> dict[str, Any]:
        variables = dict(self.base)
        variables["params"] = with_timestamps(self.params)
        entries: dict[str, Any] = {}
        for name, item in self.evidence.items():
            if item is None:
                variables[name] = None
                entries[name] = None
                continue
            variables[name] = self.cel_values[item.id]
            entries[name] = entry_value(item)
        variables["evidence"] = entries
        variables["answered"] = dict(self.answered)
        return variables


def entry_value(item: EvidenceItem) -> dict[str, Any]:
    """An evidence item's manifest entry with its digest and size, as CEL sees it."""
    entry = dict(item.entry)
    entry["sha256"] = item.record.sha256
    entry["size"] = item.record.size
    return with_timestamps(entry)  # type: ignore[no-any-return]
