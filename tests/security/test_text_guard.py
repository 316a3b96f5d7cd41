"""People's text reaches Streamlit only through core.text: a guard over the code.

Every Streamlit call that renders its text as Markdown (the UI calls of the translation guard,
less st.text, plus the few that guard does not list) is checked: each text argument must be
built only from literals, translations of constants, calls into core.text, a short
named list of number, date and enum formatters, and functions annotated ``-> Markdown``
(whose own ``return`` values are checked the same way). A name counts when every value
assigned to it in its function is such a value. Anything else (a title in an f-string, a
``.format(name=…)`` argument, ``str(error)``, a bare variable) fails the test with its place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.unit.test_translations import (
    FIRST_NOT_TEXT,
    TEXT_KEYWORDS,
    UI_CALLS,
    UI_SOURCES,
    _called_name,
)

ROOT = Path(__file__).resolve().parents[2]
TEXT_MODULE = "core.text"
# Its functions that make text safe (Markdown() itself marks text as safe, as_read undoes it).
TEXT_FUNCTIONS = {"md", "md_block", "bold", "md_format", "md_join", "small", "badge", "colored"}
# Streamlit calls that render their text as Markdown: the translation guard's UI calls, less
# st.text (plain text), plus st.progress's text and st.table's cells.
MARKDOWN_CALLS = (UI_CALLS - {"text"}) | {"progress", "table"}
CHECKED_KEYWORDS = TEXT_KEYWORDS - {"placeholder"}  # a placeholder is plain text
# Calls of the same names that are not Streamlit's: store.write runs a database write.
NOT_STREAMLIT = {"store", "transport"}
# The app's own functions that hand their text to a Streamlit call (checked like one).
APP_SINKS = {"toast_after_rerun"}
# Values that are not people's text though the guard cannot tell, each with the reason.
ALLOWED = {
    ("shell/navigation.py", "_(spec.title)"): "page titles: the N_ constants of PAGE_SPECS",
    ("app_pages/audit.py", "entry.action"): "the commands' own action names, in a code span",
    ("app_pages/leaderboard.py", "ranking_rules()"): "core.leaderboard's RANKING_RULES, translated",
}
# Calls whose options are labels rendered as Markdown (through format_func, if given).
OPTION_CALLS = {"radio", "pills", "segmented_control"}
TRANSLATIONS = {"_", "ngettext", "pgettext", "N_"}
# Numbers and dates in the reader's language: digits, separators, signs, currency symbols
# and month names only (core.formatting, core.i18n, core.progress; components' score_text,
# percent, whole_percent and count wrap them), and Python's len.
FORMATTERS = {
    "format_number", "format_percent", "format_score", "format_age", "format_day",
    "format_progress", "format_decimal", "format_fixed", "format_percent_value",
    "format_date", "format_datetime", "score_text", "percent", "whole_percent", "count", "len",
}  # fmt: skip
# Translated labels of enum members (core.enums, core.status, core.scoring): the columns
# they label hold only those members, which the write functions validate.
ENUM_LABELS = {
    "role_label", "level_label", "cycle_state_label", "objective_state_label",
    "kr_kind_label", "unit_label", "state_word", "status_label", "zone_label",
}  # fmt: skip


@dataclass
class Module:
    path: Path
    name: str
    tree: ast.Module
    text_names: set[str] = field(default_factory=set)  # its TEXT_FUNCTIONS, as imported
    text_aliases: set[str] = field(default_factory=set)  # the module itself, imported


def parse(path: Path, root: Path) -> Module:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = Module(path, _module_name(path, root), tree)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module == TEXT_MODULE:
            module.text_names |= {
                alias.asname or alias.name for alias in node.names if alias.name in TEXT_FUNCTIONS
            }
        elif isinstance(node, ast.ImportFrom) and node.module == "core":
            module.text_aliases |= {a.asname or a.name for a in node.names if a.name == "text"}
        elif isinstance(node, ast.Import):
            module.text_aliases |= {a.asname for a in node.names if a.name == TEXT_MODULE}
    return module


def markdown_functions(module: Module) -> set[str]:
    """Names of the module's functions annotated ``-> Markdown`` (their returns are checked)."""
    return {node.name for node in ast.walk(module.tree) if _returns_markdown(node)}


def _returns_markdown(node: ast.AST) -> bool:
    returns = getattr(node, "returns", None)
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
        getattr(returns, "id", getattr(returns, "value", None)) == "Markdown"
    )


def _module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def visible_markdown_functions(module: Module, by_module: dict[str, set[str]]) -> set[str]:
    """The ``-> Markdown`` functions a module can call by name: its own and those it imports."""
    names = set(by_module.get(module.name, ()))
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module in by_module:
            names |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name in by_module[node.module]
            }
    return names


class Checker:
    """Decides whether an expression is safe to hand to Markdown, within its function."""

    def __init__(self, module: Module, markdown_returns: set[str]):
        self.module = module
        self.markdown_returns = markdown_returns
        self.scopes = _scopes(module.tree)
        self._visiting: set[tuple[int, str]] = set()

    def safe(self, node: ast.AST, scope: ast.AST) -> bool:
        if isinstance(node, ast.Constant) or _allowed(self.module, node):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(
                self.safe(v.value, scope) for v in node.values if isinstance(v, ast.FormattedValue)
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod | ast.Mult):
            return self.safe(node.left, scope) and self.safe(node.right, scope)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope) and self.safe(node.orelse, scope)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(value, scope) for value in node.values)
        if isinstance(node, ast.List | ast.Tuple):
            return all(self.safe(element, scope) for element in node.elts)
        if isinstance(node, ast.Dict):  # st.table's columns: names and cells
            return all(self.safe(part, scope) for part in [*node.keys, *node.values] if part)
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            return self.safe(node.elt, scope)
        if isinstance(node, ast.Call):
            return self._safe_call(node, scope)
        if isinstance(node, ast.Name) and node.id in self.functions():
            return True  # a format_func: a formatter, an enum's labels, core.text
        if isinstance(node, ast.Name):
            return self._safe_name(node.id, scope)
        if isinstance(node, ast.Lambda):
            return self.safe(node.body, node)
        return False

    def functions(self) -> set[str]:
        return FORMATTERS | ENUM_LABELS | self.module.text_names | self.markdown_returns

    def _safe_call(self, call: ast.Call, scope: ast.AST) -> bool:
        func = call.func
        if self.is_text_call(func):
            # md_format / md_join: the template and the separator are the app's Markdown.
            name = func.attr if isinstance(func, ast.Attribute) else func.id
            if name in {"md_format", "md_join"} and call.args:
                return self.safe(call.args[0], scope)
            return True
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in TRANSLATIONS and isinstance(func, ast.Name):
            texts = call.args[:2] if name == "ngettext" else call.args  # and a count
            return all(self._constant(argument, scope) for argument in texts)
        if name in FORMATTERS | ENUM_LABELS or name in self.markdown_returns:
            return True
        if isinstance(func, ast.Attribute) and name == "format":
            arguments = [*call.args, *(k.value for k in call.keywords)]
            return self.safe(func.value, scope) and all(self.safe(a, scope) for a in arguments)
        if isinstance(func, ast.Attribute) and name == "join" and len(call.args) == 1:
            joined = call.args[0]
            if isinstance(joined, ast.GeneratorExp | ast.ListComp):
                joined = joined.elt  # its own names are unsafe: _scopes saw them assigned
            return self.safe(func.value, scope) and self.safe(joined, scope)
        return False

    def is_text_call(self, func: ast.AST) -> bool:
        if isinstance(func, ast.Name):
            return func.id in self.module.text_names
        return (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.module.text_aliases
            and func.attr in TEXT_FUNCTIONS
        )

    def _constant(self, node: ast.AST, scope: ast.AST) -> bool:
        """A constant, an entry of an UPPER_CASE table of constants (``_(LABELS[code])``), or
        a name only ever given one of those."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Subscript):
            node = node.value
        if not isinstance(node, ast.Name):
            return False
        values = self.scopes.get(id(scope), {}).get(node.id)
        if node.id.isupper() or not values:
            return node.id.isupper()
        return all(v is not None and self._constant(v, scope) for v in values)

    def _safe_name(self, name: str, scope: ast.AST) -> bool:
        key = (id(scope), name)
        if key in self._visiting:
            return True  # a loop through the names: the other assignments decide
        values = self.scopes.get(id(scope), {}).get(name)
        if values is None:  # not assigned here: the module's own name, or a parameter
            module_values = self.scopes[id(self.module.tree)].get(name)
            if scope is self.module.tree or module_values is None or _is_parameter(scope, name):
                return False
            values, scope = module_values, self.module.tree
        self._visiting.add(key)
        try:
            return bool(values) and all(v is not None and self.safe(v, scope) for v in values)
        finally:
            self._visiting.discard(key)


def _is_parameter(scope: ast.AST, name: str) -> bool:
    arguments = getattr(scope, "args", None)
    if not isinstance(arguments, ast.arguments):
        return False
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return any(argument.arg == name for argument in every)


def _scopes(tree: ast.Module) -> dict[int, dict[str, list[ast.AST | None]]]:
    """For the module and each function: what is assigned to each name (None: a value the
    guard cannot see, such as a loop variable, an augmented assignment or a with target)."""
    scopes: dict[int, dict[str, list[ast.AST | None]]] = {}

    def visit(scope: ast.AST, body: list[ast.AST]) -> None:
        names = scopes.setdefault(id(scope), {})
        for statement in body:
            for node in _walk_scope(statement):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    inner = node.body if isinstance(node.body, list) else []
                    visit(node, inner)
                    continue
                for target, value in _assignments(node):
                    names.setdefault(target, []).append(value)

    visit(tree, tree.body)
    return scopes


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and what it holds, stopping at nested functions (yielded, not entered)."""
    yield node
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_scope(child)


def _assignments(node: ast.AST) -> Iterator[tuple[str, ast.AST | None]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
            else:
                yield from ((name, None) for name in _names(target))
    elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
        yield node.target.id, node.value
    elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
        yield from ((name, None) for name in _names(node.target))
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        yield from ((name, None) for name in _names(node.optional_vars))
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name, None


def _names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _text_arguments(call: ast.Call, name: str) -> list[ast.AST]:
    if name.endswith("Column"):  # a table's header is drawn as plain text; its tooltip is not
        return [k.value for k in call.keywords if k.arg == "help"]
    arguments = [] if name in FIRST_NOT_TEXT | {"progress"} else call.args[:1]
    keywords = set(CHECKED_KEYWORDS)
    if name == "metric":  # the value and the delta render as Markdown too
        arguments = call.args[:3]
        keywords |= {"value", "delta"}
    if name in OPTION_CALLS:
        keywords |= {"captions", "format_func"}
        if not any(k.arg == "format_func" for k in call.keywords):
            arguments += call.args[1:2] + [k.value for k in call.keywords if k.arg == "options"]
    return arguments + [k.value for k in call.keywords if k.arg in keywords]


def _enclosing_scopes(tree: ast.Module) -> dict[int, ast.AST]:
    """Each node's nearest enclosing function (or the module)."""
    owner: dict[int, ast.AST] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[id(child)] = scope
            scoped = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            inner = child if scoped else scope
            visit(child, inner)

    visit(tree, tree)
    return owner


def unsafe_text(paths: list[Path], root: Path = ROOT) -> list[str]:
    """Every place a Markdown-rendering Streamlit call, or a function declared to return
    Markdown, is given a value that did not pass through core.text."""
    modules = [parse(path, root) for path in paths]
    by_module = {module.name: markdown_functions(module) for module in modules}
    found = []
    for module in modules:
        checker = Checker(module, visible_markdown_functions(module, by_module))
        owner = _enclosing_scopes(module.tree)
        own_functions = {n.name for n in ast.walk(module.tree) if isinstance(n, ast.FunctionDef)}
        for node in ast.walk(module.tree):
            if (
                _is_markdown_call(node)
                and not checker.is_text_call(node.func)
                and getattr(node.func, "id", None) not in own_functions  # a page's header()
            ):
                scope = owner.get(id(node), module.tree)
                for argument in _text_arguments(node, _called_name(node)):
                    if not checker.safe(argument, scope):
                        found.append(_place(module, root, argument, _called_name(node)))
            elif isinstance(node, ast.Return) and node.value is not None:
                function = owner.get(id(node))
                if _returns_markdown(function) and not checker.safe(node.value, function):
                    found.append(_place(module, root, node.value, f"return of {function.name}"))
    return found


def _is_markdown_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or _called_name(node) not in MARKDOWN_CALLS | APP_SINKS:
        return False
    receiver = getattr(node.func, "value", None)
    receiver_name = getattr(receiver, "id", getattr(receiver, "attr", None))
    return receiver_name not in NOT_STREAMLIT


def _allowed(module: Module, node: ast.AST) -> bool:
    where = module.path.relative_to(ROOT).as_posix() if module.path.is_relative_to(ROOT) else ""
    return (where, ast.unparse(node)) in ALLOWED


def _place(module: Module, root: Path, node: ast.AST, what: str) -> str:
    return f"{module.path.relative_to(root)}:{node.lineno}: {what}: {ast.unparse(node)[:80]}"


def test_people_s_text_reaches_streamlit_only_through_core_text():
    found = unsafe_text([path for path in UI_SOURCES if path != ROOT / "core" / "text.py"])
    assert not found, (
        f"{len(found)} Streamlit text calls get a value that did not pass through "
        "core.text (md, md_block, md_format, …):\n" + "\n".join(found)
    )


GUARDED_PAGE = """
import streamlit as st
from core.text import Markdown, as_read, bold, md, md_format, md_join
from core.i18n import _, ngettext
from core.formatting import format_age

LABELS = {"a": "A"}


def line(obj) -> Markdown:
    return md_format("{title} · {age}", title=obj.title, age=format_age(obj.days))


def leaky(obj) -> Markdown:
    return f"**{obj.title}**"


def page(obj, error, user, count):
    st.markdown(f"**{obj.title}**")
    st.caption(_("Owner: {name}").format(name=user.display_name))
    st.error(str(error))
    st.toast("Saved " + obj.title)
    st.subheader(user.team_name)
    st.expander(obj.title)
    st.button(_(obj.title))
    st.radio(_("Pick"), ["a"], format_func=lambda code: obj.names[code])
    st.markdown(md_format(obj.template, name=user.name))
    text = f"{user.name} joined"
    st.info(text)
    st.markdown(Markdown(obj.title))
    st.caption(as_read(md(obj.title)))
    st.markdown(bold(obj.title))
    st.caption(_("Owner: {name}").format(name=md(user.display_name)))
    st.error(md(str(error)))
    st.info(md_format(_("{count} more"), count=count))
    st.caption(md_format(ngettext("{n} day", "{n} days", count), n=count))
    st.markdown(md_join(" · ", [obj.title, user.name]))
    st.tabs([_("Mine"), md_format(_("Team {name}"), name=user.team_name)])
    st.radio(_("Pick"), ["a"], format_func=lambda code: _(LABELS[code]))
    st.metric(_("Age"), format_age(count))
    st.markdown(line(obj))
    shown = md(user.name)
    st.warning(shown)
    st.text(user.name)
"""


def test_the_guard_finds_people_s_text_that_skipped_core_text(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(GUARDED_PAGE)
    found = sorted(line.split(": ", 1)[1] for line in unsafe_text([page], tmp_path))
    assert found == sorted(
        [
            "markdown: f'**{obj.title}**'",
            "caption: _('Owner: {name}').format(name=user.display_name)",
            "error: str(error)",
            "toast: 'Saved ' + obj.title",
            "subheader: user.team_name",
            "expander: obj.title",
            "button: _(obj.title)",
            "radio: lambda code: obj.names[code]",
            "markdown: md_format(obj.template, name=user.name)",
            "info: text",
            "markdown: Markdown(obj.title)",
            "caption: as_read(md(obj.title))",
            "return of leaky: f'**{obj.title}**'",
        ]
    )
