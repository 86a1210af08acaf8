"""Every error code the engine can raise is documented in docs/error-codes.md."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


def _constants(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _constants(node.body)
        yield from _constants(node.orelse)


def raised_codes() -> dict[str, str]:
    """Codes passed to InputError, assigned to a ``code``/``*CODE`` name, or a ``code``
    parameter default, anywhere under engine/normenkader."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "engine" / "normenkader").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "InputError" and node.args:
                    values.append(node.args[0])
                values.extend(k.value for k in node.keywords if k.arg == "code")
            elif isinstance(node, ast.Assign):
                if any(
                    isinstance(t, ast.Name) and (t.id == "code" or t.id.endswith("CODE"))
                    for t in node.targets
                ):
                    values.append(node.value)
            elif isinstance(node, ast.FunctionDef) and node.args.defaults:
                named = node.args.args[-len(node.args.defaults) :]
                values.extend(
                    d for a, d in zip(named, node.args.defaults, strict=True) if a.arg == "code"
                )
            for value in values:
                for code in _constants(value):
                    found.setdefault(code, where)
    return found


def test_every_raised_code_is_documented() -> None:
    documented = set(
        re.findall(
            r"^\| `([A-Z0-9_]+)` \|", (ROOT / "docs" / "error-codes.md").read_text("utf-8"), re.M
        )
    )
    codes = raised_codes()
    assert len(codes) > 50  # the scan itself works
    missing = {code: where for code, where in codes.items() if code not in documented}
    assert missing == {}, f"add these codes to docs/error-codes.md: {missing}"
