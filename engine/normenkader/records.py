"""One ``__repr__`` and ``__eq__`` for the dataclasses on the ``check`` path.

``@dataclass`` writes the source of ``__init__``, ``__repr__`` and ``__eq__`` for every class
and compiles each with ``exec`` when the module is imported. For the dozen mutable
records a ``check`` run imports, that is about 3% of a warm run's instructions
(measured with callgrind). They are declared ``@dataclass(repr=False, eq=False)`` and
inherit these two methods instead, which behave as the generated ones do.
"""

from __future__ import annotations

import dataclasses
import reprlib
from typing import Any


class Record:
    __slots__ = ()

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        record: Any = self
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(record) if f.repr
        )
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq=True


def _compared(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record) if f.compare)
