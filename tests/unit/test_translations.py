"""Every string a person reads is translated: the catalogs are complete, their placeholders
match, and no UI call is handed a bare English literal."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import i18n
from scripts import translations

ROOT = Path(__file__).resolve().parents[2]
UI_SOURCES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
UI_SOURCES += sorted((ROOT / "components").glob("*.py")) + sorted((ROOT / "shell").glob("*.py"))

# Streamlit calls whose text arguments a person reads.
UI_CALLS = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning",
    "error", "success", "toast", "button", "form_submit_button", "link_button", "page_link",
    "download_button", "text_input", "number_input", "text_area", "selectbox", "multiselect",
    "radio", "checkbox", "toggle", "date_input", "time_input", "slider", "select_slider",
    "file_uploader", "expander", "tabs", "metric", "popover", "spinner", "status", "dialog",
    "segmented_control", "pills", "badge", "Page", "TextColumn", "NumberColumn",
    "ProgressColumn", "DateColumn", "DatetimeColumn", "LinkColumn", "CheckboxColumn",
    "SelectboxColumn", "ListColumn", "Column", "BarChartColumn", "LineChartColumn",
}  # fmt: skip
TEXT_KEYWORDS = {"label", "help", "placeholder", "body", "title", "caption", "text"}
# Calls whose first argument is a page or file, not text.
FIRST_NOT_TEXT = {"Page", "page_link"}
WORD = re.compile(r"[A-Za-z]{2,}")
NOT_WORDS = re.compile(r":material/[a-z_]+:|\{[^}]*\}|%\([a-z_]+\)[sd]|<[^>]*>|&[a-z]+;")


def _has_words(text: str) -> bool:
    return bool(WORD.search(NOT_WORDS.sub("", text)))


def _bare_text(node: ast.AST) -> str | None:
    """The English words an argument carries without translation, if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _has_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        parts = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return parts if _has_words(parts) else None
    if isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if (text := _bare_text(element)) is not None:
                return text
    if isinstance(node, ast.BinOp):
        return _bare_text(node.left) or _bare_text(node.right)
    if isinstance(node, ast.IfExp):
        return _bare_text(node.body) or _bare_text(node.orelse)
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id in {"log", "logger", "logging"}:
            return None  # log.warning(...) is for operators, not a UI call
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def bare_ui_literals(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _called_name(node) not in UI_CALLS:
            continue
        first = [] if _called_name(node) in FIRST_NOT_TEXT else node.args[:1]
        arguments = first + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for argument in arguments:
            if (text := _bare_text(argument)) is not None:
                found.append(f"{path.relative_to(root)}:{node.lineno}: {text[:60]!r}")
    return found


def test_ui_calls_are_given_translated_text():
    bare = [line for path in UI_SOURCES for line in bare_ui_literals(path)]
    assert not bare, "wrap these in _() (core.i18n):\n" + "\n".join(bare)


def test_the_guard_catches_a_bare_label(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\nfrom core.i18n import _\n"
        'st.button("Save")\nst.caption(_("Saved"))\nst.markdown(f"**{name}** owns it")\n'
        'st.markdown(f"**{_(\'Owner\')}:** {name}")\nst.tabs(["Team", _("People")])\n'
    )
    found = [line.split(": ", 1)[1] for line in bare_ui_literals(page, tmp_path)]
    assert found == ["'Save'", "'**** owns it'", "'Team'"]


@pytest.fixture(scope="module")
def template():
    return translations.extract()


def test_every_marked_string_has_a_vietnamese_translation(template):
    gaps = translations.missing("vi", template)
    assert not gaps, f"{len(gaps)} strings lack Vietnamese (python -m scripts.translations "
    "update, then translate locales/vi/LC_MESSAGES/messages.po):\n" + "\n".join(gaps[:40])


def test_a_new_string_is_reported_missing(template, monkeypatch):
    template.add("A sentence nobody has translated yet")
    assert translations.missing("vi", template)[-1] == "A sentence nobody has translated yet"


PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]|%[sd]")


def test_translations_keep_every_placeholder():
    for message in translations.load("vi"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for string in strings:
            assert sorted(set(PLACEHOLDER.findall(string))) == wanted, (message.id, string)


def test_vietnamese_is_used_when_chosen_and_english_otherwise():
    i18n.set_language("vi")
    try:
        assert i18n._("My OKRs") != "My OKRs"
        assert i18n.format_currency(1_200_000, "VND") == "1.200.000\xa0₫"
        assert i18n.format_decimal(1234.5) == "1.234,5"
    finally:
        i18n.set_language("en")
    assert i18n._("My OKRs") == "My OKRs"
    assert i18n.format_currency(1_200_000, "VND") == "₫1,200,000"
    assert i18n.format_currency(12.5, "USD") == "$12.50"
    assert i18n.set_language("fr") == "en"
