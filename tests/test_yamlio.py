"""The strict YAML/JSON loader: YAML 1.2 scalars, no duplicates, aliases, tags or NaN."""

from __future__ import annotations

import pytest

from normenkader.errors import InputError
from normenkader.yamlio import loads_json, loads_yaml


def test_yaml_12_scalars_stay_strings() -> None:
    doc = loads_yaml(
        "a: NO\nb: 2024-03-01\nc: 012\nd: 12:30\ne: on\nf: 1.5\ng: [1, true, null, ~]\n"
    )
    assert doc.value == {
        "a": "NO",
        "b": "2024-03-01",
        "c": "012",
        "d": "12:30",
        "e": "on",
        "f": 1.5,
        "g": [1, True, None, None],
    }


def test_positions_are_recorded_per_pointer() -> None:
    doc = loads_yaml("a:\n  b:\n    - x\n    - y\n", "f.yaml")
    assert doc.position("/a/b/1") == (4, 7)
    assert doc.where("/a/b/9") == "f.yaml:3:5"  # nearest recorded ancestor (the list)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a: 1\na: 2\n", "YAML_DUPLICATE_KEY"),
        ("a: &x [1]\nb: *x\n", "YAML_ALIAS"),
        ("<<: {a: 1}\n", "YAML_ALIAS"),
        ("a: !!python/object/apply:os.system [ls]\n", "YAML_TAG"),
        ("a: !custom x\n", "YAML_TAG"),
        ('a: !!int "3"\n', "YAML_TAG"),
        ("a: .nan\n", "YAML_NAN"),
        ("a: -.inf\n", "YAML_NAN"),
        ("a: 1e999\n", "YAML_NAN"),
        ("a: [b\n", "YAML_SYNTAX"),
        ("[" * 200 + "]" * 200, "YAML_TOO_DEEP"),
        ("? [a]\n: 1\n", "YAML_KEY"),
    ],
)
def test_yaml_rejections(text: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        loads_yaml(text, "t.yaml")
    assert caught.value.code == code
    assert caught.value.line().startswith(f"error {code}: t.yaml")


def test_billion_laughs_is_rejected_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 10)
    ]
    with pytest.raises(InputError) as caught:
        loads_yaml("\n".join(lines))
    assert caught.value.code == "YAML_ALIAS"


def test_bad_utf8() -> None:
    with pytest.raises(InputError) as caught:
        loads_yaml(b"a: \xff\xfe\n", "t.yaml")
    assert caught.value.code == "BAD_UTF8"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "a": 2}', "JSON_DUPLICATE_KEY"),
        ("[NaN]", "JSON_NAN"),
        ("[Infinity]", "JSON_NAN"),
        ("[1e400]", "JSON_NAN"),
        ("1" + "0" * 100, "NUMBER_TOO_LONG"),
        ("[" * 5000 + "]" * 5000, "JSON_TOO_DEEP"),
        ("[" * 70 + "]" * 70, "JSON_TOO_DEEP"),
        ('{"a": }', "JSON_SYNTAX"),
    ],
)
def test_json_rejections(text: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        loads_json(text, "t.json")
    assert caught.value.code == code


def test_json_accepts_ordinary_documents() -> None:
    assert loads_json('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
