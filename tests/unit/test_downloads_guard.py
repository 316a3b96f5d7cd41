"""Every file the app offers for download is made by core.files_out (formula-neutralised cells,
UTF-8 with a BOM): each ``download_button`` in app.py, app_pages/, components/ and shell/ gets
its ``data`` from a call into that module — directly, through a name assigned from such a call
in the same function, or through a project function (e.g. db.exchange.export_xlsx, also when
passed to shell.store.read) whose every ``return`` is such a call. A download made with
``frame.to_csv()`` fails here."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = "core.files_out"
# Calls that run the function given as their first argument and return its result.
RUNNERS = {"shell.store.read", "shell.store.cached"}
MAX_DEPTH = 6  # function hops followed from a download to the helper
# Where a spreadsheet file may be written other than the helper: the backup (a command-line
# tool, not a download) keeps its own exact cell encoding; its text goes through
# files_out.xlsx_cell.
OWN_WRITERS = {"core/files_out.py", "db/backup.py"}


@dataclass
class Module:
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name → dotted name
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)


def parse(source: str, name: str) -> Module:
    module = Module(name, ast.parse(source))
    for node in ast.walk(module.tree):
        for child in ast.iter_child_nodes(node):
            module.parents[child] = node
        if isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and not node.level:  # the project's are absolute
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef):
            module.functions[node.name] = node
    return module


@cache
def load(name: str) -> Module | None:
    path = ROOT / (name.replace(".", "/") + ".py")
    return parse(path.read_text(), name) if path.is_file() else None


def dotted(expr: ast.expr, module: Module) -> str | None:
    """The project-wide name an expression refers to (``exchange.export_xlsx`` in a page that
    did ``from db import exchange`` → "db.exchange.export_xlsx")."""
    if isinstance(expr, ast.Name):
        if expr.id in module.imports:
            return module.imports[expr.id]
        return f"{module.name}.{expr.id}" if expr.id in module.functions else None
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value, module)
        return f"{base}.{expr.attr}" if base else None
    return None


def function(name: str) -> tuple[Module, ast.FunctionDef] | None:
    """A module-level function of the project, by dotted name."""
    module_name, _, function_name = name.rpartition(".")
    module = load(module_name) if module_name else None
    if module is None or function_name not in module.functions:
        return None
    return module, module.functions[function_name]


def scope_of(node: ast.AST, module: Module) -> ast.AST:
    """The function (or the module) a node belongs to."""
    while node in module.parents:
        node = module.parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return module.tree


def own_nodes(scope: ast.AST):
    """The nodes of a function or module, not those of functions defined inside it."""
    for child in ast.iter_child_nodes(scope):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield child
            yield from own_nodes(child)


def assigned(name: str, scope: ast.AST) -> list[ast.expr]:
    return [
        node.value
        for node in own_nodes(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def makes_file(expr: ast.expr, module: Module, scope: ast.AST, depth: int = 0) -> bool:
    """Whether ``expr`` (a download's data: bytes, or a function giving them) comes from the
    helper module."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(expr, ast.Lambda):
        return makes_file(expr.body, module, scope, depth + 1)
    if isinstance(expr, ast.Call):
        target = dotted(expr.func, module)
        if target is None:
            return False
        if target.startswith(HELPER + "."):
            return True
        if target in RUNNERS:
            return bool(expr.args) and makes_file(expr.args[0], module, scope, depth + 1)
        return returns_file(target, depth + 1)
    if isinstance(expr, ast.Name) and (values := assigned(expr.id, scope)):
        return all(makes_file(value, module, scope, depth + 1) for value in values)
    target = dotted(expr, module)  # a function passed as the data
    return target is not None and returns_file(target, depth + 1)


def returns_file(name: str, depth: int) -> bool:
    found = function(name)
    if found is None:
        return False
    module, definition = found
    returns = [node for node in own_nodes(definition) if isinstance(node, ast.Return)]
    return bool(returns) and all(
        node.value is not None and makes_file(node.value, module, definition, depth)
        for node in returns
    )


def downloads(module: Module) -> list[tuple[int, ast.expr | None, ast.AST]]:
    """Every download_button call: (line, its data argument, the scope it is in)."""
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "download_button":
            continue
        data = next((k.value for k in node.keywords if k.arg == "data"), None)
        if data is None and len(node.args) > 1:
            data = node.args[1]
        found.append((node.lineno, data, scope_of(node, module)))
    return found


def unsafe_downloads(module: Module) -> list[str]:
    return [
        f"{module.name}:{line}"
        for line, data, scope in downloads(module)
        if data is None or not makes_file(data, module, scope)
    ]


def app_modules() -> list[Module]:
    paths = [
        ROOT / "app.py",
        *sorted((ROOT / "app_pages").glob("*.py")),
        *sorted((ROOT / "components").glob("*.py")),
        *sorted((ROOT / "shell").glob("*.py")),
    ]
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths]
    return [load(name) for name in names]


def test_every_download_is_made_by_the_files_out_helper():
    modules = app_modules()
    calls = [(m.name, line) for m in modules for line, _, _ in downloads(m)]
    # dashboard and alignment (components.dashboard_view), people and review
    # (components.review_view), the leaderboard, the audit log, and import & export (4)
    assert len(calls) >= 8, calls
    assert [where for m in modules for where in unsafe_downloads(m)] == []


@pytest.mark.parametrize(
    ("data", "safe"),
    [
        ("frame.to_csv(index=False).encode('utf-8')", False),
        ("lambda: frame.to_csv(index=False).encode('utf-8')", False),
        ("lambda: table(frame).to_csv()", False),
        ("own_csv", False),
        ("files_out.csv_bytes(frame)", True),
        ("lambda: files_out.csv_bytes(frame)", True),
        ("made", True),
        ("lambda: store.read(exchange.export_xlsx, actor, None)", True),
        ("exchange.template_csv", True),
        ("lambda: store.read(exchange.read_table, b'', 'x.csv')", False),
    ],
)
def test_the_guard_tells_a_helper_download_from_a_raw_one(data, safe):
    source = (
        "import streamlit as st\n"
        "from core import files_out\n"
        "from db import exchange\n"
        "from shell import store\n"
        "def own_csv():\n"
        "    return frame.to_csv().encode()\n"
        "def section(frame):\n"
        "    made = files_out.csv_bytes(frame)\n"
        f"    st.download_button('CSV', data={data}, file_name='x.csv')\n"
    )
    assert (unsafe_downloads(parse(source, "app_pages.example")) == []) is safe


def test_no_file_is_written_outside_the_helper():
    writers = ("to_csv(", "to_excel(", "csv.writer(", "DictWriter(", "Workbook(", "ExcelWriter(")
    found = [
        f"{path.relative_to(ROOT)}: {call}"
        for folder in ("app_pages", "components", "core", "db", "shell")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in OWN_WRITERS
        for call in writers
        if call in path.read_text()
    ]
    assert found == []
