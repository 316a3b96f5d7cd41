"""People's text stays text: what core.text makes of each kind of payload, checked
against the rules of Streamlit 1.67's Markdown renderer.

The renderer parses CommonMark + GFM (where a backslash escape makes a character literal),
then runs plugins over the parsed text, where it no longer does (an escaped character merges
back into its text). So each payload is checked twice: no syntax character is left
unescaped, and the text as those plugins see it (escapes resolved) matches none of their
patterns — the patterns below are the ones in Streamlit's frontend bundle
(static/js/StreamlitMarkdown.*.js) and in mdast-util-gfm-autolink-literal. The browser test
(tests/e2e/test_safe_text_browser.py) renders the same payloads in Chromium.
"""

from __future__ import annotations

import re

import pytest

from core.text import (
    WORD_JOINER,
    Markdown,
    as_read,
    badge,
    bold,
    md,
    md_block,
    md_format,
    md_join,
    small,
)

PAYLOADS = [
    "![](http://127.0.0.2/p)",
    "[x](javascript:alert(1))",
    "[ref]\n\n[ref]: http://127.0.0.2/r",
    "www.example.com",
    "WWW.EXAMPLE.COM/path",
    "name@example.com",
    "mailto:name@example.invalid",
    "http://2130706433/",
    "see https://127.0.0.2/x now",
    "<http://127.0.0.2/a>",
    ":red[x]",
    ":blue-background[x]",
    ":blue-badge[x]",
    ":small[x]",
    ":help[tip]",
    ":color[x]{foreground=red}",
    "::leaf[x]",
    ":::container",
    ":material/home:",
    ":smile:",
    ":+1:",
    ":streamlit:",
    "Title\n===",
    "Title\n---",
    "# h",
    "###### h",
    "$x^2$",
    "$$x$$",
    "$$\nx\n$$",
    "`code`",
    "```mermaid\ngraph TD; A-->B\n```",
    "~~~\nfence\n~~~",
    "    indented code",
    "<img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "- item\n* item\n+ item\n1. one\n2) two",
    "> quote",
    "***",
    "~strike~ ~~strike~~",
    "- [ ] task",
    "[^1]\n\n[^1]: note",
    "&lt;b&gt; &amp; &#60;",
    "**bold** _it_ __b__",
    "line  \nbreak\\\nthree",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "x]] ]] :red[y",
    "\\*not\\* \\\\",
    "   # three spaces in",
    "snake_case, OKR_ENV and _x_",
    "text\n9. nine\n10) ten\n> quote\n+ plus\n=====",
]

# Characters that open a Markdown construct wherever they stand (emphasis, code, links and
# images, HTML and autolinks, LaTeX, strikethrough, tables, directive attributes), entities,
# and what opens a block at the start of a line (CommonMark allows three spaces before it).
ANYWHERE = set("\\`*[]{}<$~|")
ENTITY = re.compile(r"(?<!\\)&#?[0-9A-Za-z]+;")
UNDERSCORE = re.compile(r"(?<!\\)(?:(?<![^\W_])_|_(?![^\W_]))")  # not between two letters
BLOCK_START = re.compile(r"^ {0,3}([#>+=-]|\d{1,9}[.)])")
# What Streamlit's plugins look for in parsed text (Streamlit 1.67's frontend).
PLUGIN_PATTERNS = {
    "emoji code": re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:"),
    "material icon": re.compile(r":material_(\w+):"),  # after ':material/' → ':material_'
    "Streamlit logo": re.compile(r":streamlit:"),
    "directive": re.compile(r":[A-Za-z][\w-]*[\[{]|::"),
    "autolink URL": re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE),
    "autolink e-mail": re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
    "mailto/xmpp": re.compile(r"(mailto|xmpp):[-.\w+]", re.IGNORECASE),
    "typographic symbol": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
}
INVISIBLE = re.compile("[\u2060\u2066-\u2069]")


def resolved(markdown: str) -> str:
    """The text as the plugins see it: backslash escapes resolved, NO-BREAK SPACE kept."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL)


def unescaped_syntax(markdown: str) -> list[str]:
    """Syntax characters not made literal by a backslash, and lines that open a block."""
    left, escaped = [], False
    for char in markdown:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ANYWHERE:
            left.append(char)
    left += ENTITY.findall(markdown) + UNDERSCORE.findall(markdown)
    return left + [line for line in markdown.split("\n") if BLOCK_START.match(line)]


def read(markdown: str) -> str:
    """What a reader sees: escapes resolved, the invisible breaks gone."""
    return INVISIBLE.sub("", resolved(markdown)).replace("\u00a0", " ")


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("make", [md, md_block], ids=["md", "md_block"])
def test_every_payload_stays_literal(payload, make):
    shown = make(payload)
    assert unescaped_syntax(shown) == []
    for name, pattern in PLUGIN_PATTERNS.items():
        assert not pattern.search(resolved(shown).replace(":material/", ":material_")), name
    # no line that Markdown would read as an indented code block or a setext underline
    for line in shown.split("\n"):
        assert not line.startswith(("    ", "\t")), line


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_reader_sees_the_characters_that_were_typed(payload):
    assert read(md(payload)) == re.sub(r"\n", " ", payload)
    lines = [line.rstrip(" ") for line in read(md_block(payload)).split("\n")]
    assert lines == [line.rstrip(" ") for line in payload.split("\n")]


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "\n" not in p])
def test_as_read_gives_back_the_text_as_typed(payload):
    assert as_read(md(payload)) == payload


def test_one_line_text_has_no_line_break_and_block_text_keeps_its_lines():
    assert "\n" not in md("Title\r\n===\rx\u2028y")
    assert md_block("first\nsecond\n\nnew paragraph") == "first  \nsecond  \n  \nnew paragraph"


def test_vietnamese_and_plain_words_are_unchanged():
    for text in ["Tăng trưởng doanh thu quý bốn", "Nguyễn Thị Hồng Nhung", "Đạt 20% mục tiêu"]:
        assert md(text) == text
    assert read(md("Tăng doanh thu: 20%, đạt *mục tiêu*!")) == (
        "Tăng doanh thu: 20%, đạt *mục tiêu*!"
    )


def test_right_to_left_overrides_cannot_reorder_the_text_around_them():
    override = "abc\u202edef"
    shown = md(override)
    assert shown.startswith("\u2068") and shown.endswith("\u2069")  # an isolate around it
    assert "\u202e" in shown  # the text itself is unchanged
    # a closing the text did not open would end the isolate early: it is dropped
    assert md("\u2069\u202eevil") == "\u2068\u202eevil\u2069"
    # isolates the text opened are closed before the app's text resumes
    assert md("\u2067\u2067abc").endswith("\u2069\u2069\u2069")
    assert md("שלום עולם") == "שלום עולם"  # right-to-left letters need no controls


def test_links_hosts_and_addresses_are_broken_where_a_plugin_would_see_them():
    assert md("www.example.com") == f"www{WORD_JOINER}.example.com"
    assert md("name@example.com") == f"name@{WORD_JOINER}example.com"
    assert md("http://2130706433/") == f"http:{WORD_JOINER}//2130706433/"
    assert md(":smile:") == f":{WORD_JOINER}smile:"
    assert md("Q4: R&D, 10.5% (net)!") == "Q4: R&D, 10.5% (net)!"  # nothing to break


def test_markdown_made_here_is_not_escaped_twice():
    title = md("Grow *fast*")
    assert md(title) is title and md_block(title) is title
    line = md_format("**{title}** · {owner}", title=title, owner="_Sue_")
    assert line == r"**Grow \*fast\*** · \_Sue\_"
    assert isinstance(line, Markdown)
    assert md_join(" · ", [title, "a|b"]) == r"Grow \*fast\* · a\|b"


def test_templates_are_the_app_s_markdown_and_values_are_text():
    assert md_format("{0} and {name}", "[x](y)", name=":red[z]") == (
        f"\\[x\\](y) and :{WORD_JOINER}red\\[z\\]"
    )
    assert bold("  Launch ") == "**Launch**"
    assert bold("") == "" and bold("   ") == ""  # '****' alone would draw a rule
    assert small("a]b") == r":gray[:small[a\]b]]"
    assert badge("On track", "blue", ":material/trending_up:") == (
        ":blue-badge[:material/trending_up: On track]"
    )
    assert badge("x] :red[y", "red") == f":red-badge[x\\] :{WORD_JOINER}red\\[y]"


def test_none_is_empty_and_numbers_read_as_numbers():
    assert md(None) == ""
    assert read(md(-1.5)) == "-1.5"
