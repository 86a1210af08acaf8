"""``Record`` gives the check path's dataclasses the repr and eq a dataclass would."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from normenkader.records import Record


@dataclass
class Generated:
    name: str
    items: list[int] = field(default_factory=list)
    hidden: int = field(default=0, repr=False, compare=False)


@dataclass(repr=False, eq=False)
class Shared(Record):
    name: str
    items: list[int] = field(default_factory=list)
    hidden: int = field(default=0, repr=False, compare=False)


def test_repr_and_eq_match_the_generated_ones() -> None:
    for args in [("a",), ("b", [1, 2]), ("c", [3], 7)]:
        generated, shared = Generated(*args), Shared(*args)  # type: ignore[arg-type]
        assert repr(shared) == repr(generated).replace("Generated", "Shared", 1)
        assert (shared == Shared(*args)) is True  # type: ignore[arg-type]
    assert Shared("a", [1], 1) == Shared("a", [1], 2)  # compare=False fields are ignored
    assert Shared("a") != Shared("b")
    assert Shared("a") != Generated("a")
    with pytest.raises(TypeError):
        hash(Shared("a"))


def test_a_record_that_contains_itself_still_prints() -> None:
    loop = Shared("loop")
    loop.items.append(loop)  # type: ignore[arg-type]
    assert repr(loop) == "Shared(name='loop', items=[...])"
