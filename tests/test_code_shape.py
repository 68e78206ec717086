"""The package stays in small parts: no function over 60 lines of code or of cyclomatic
complexity over 15, unless a reason is written beside it.

A long function carries ``# long: <reason>`` on its ``def`` line or the line above; a
complex one ruff's ``# noqa: C901  <reason>``. Docstrings don't count towards the length:
the numpy-style parameter lists are wanted.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "drsim"
MAX_LINES = 60
MAX_COMPLEXITY = 15


def _code_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end of the body, less the docstring's."""
    lines = fn.end_lineno - fn.lineno + 1
    first = fn.body[0]
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def _long_functions(path) -> list[str]:
    text = path.read_text()
    source = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        n = _code_lines(node)
        if n <= MAX_LINES:
            continue
        beside = source[node.lineno - 1] + (source[node.lineno - 2] if node.lineno > 1 else "")
        if "# long:" not in beside:
            out.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}: {node.name} has {n} lines")
    return out


def test_no_function_is_longer_than_60_lines_without_a_reason():
    found = [msg for p in sorted(PACKAGE.rglob("*.py")) for msg in _long_functions(p)]
    assert not found, "split these, or write '# long: <why>' beside the def:\n" + "\n".join(found)


def test_the_length_check_sees_a_long_function_and_honours_a_reason(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    long_fn = f'def f():\n    """Doc\n    string."""\n{body}\n'
    (tmp_path / "m.py").write_text(long_fn)
    assert _long_functions(tmp_path / "m.py") == [f"{tmp_path / 'm.py'}:1: f has 61 lines"]
    (tmp_path / "m.py").write_text("# long: one table, read top to bottom\n" + long_fn)
    assert _long_functions(tmp_path / "m.py") == []


def test_no_function_is_more_complex_than_15_without_a_reason():
    pytest.importorskip("ruff")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "C901",
         "--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}",
         "--output-format", "json", str(PACKAGE)],
        capture_output=True, text=True, timeout=120)
    found = [f"{f['filename']}:{f['location']['row']}: {f['message']}"
             for f in json.loads(done.stdout or "[]")]
    assert done.returncode in (0, 1), done.stderr
    assert not found, ("split these, or write '# noqa: C901  <why>' beside the def:\n"
                       + "\n".join(found))


def test_no_module_binds_a_top_level_name_twice():
    # A second top-level assignment silently replaces the first (a figures module once
    # had two MARKERS, and the timeline chart read the frontier's string as its dict).
    import ast

    from tests.conftest import ROOT

    twice = []
    for path in sorted((ROOT / "drsim").rglob("*.py")):
        seen: dict[str, int] = {}
        for node in ast.parse(path.read_text()).body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                targets = [node.name]
            for name in targets:
                if name in seen and name not in ("__all__",):
                    twice.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name} "
                                 f"(first at line {seen[name]})")
                seen.setdefault(name, node.lineno)
    assert twice == []
