"""People's text in Streamlit's Markdown: shown as the characters they typed, never as markup.

Streamlit renders nearly every text it is handed as Markdown: st.markdown, st.write, st.caption,
st.success/info/warning/error, st.toast, headings, widget labels, ``help`` tooltips, radio and
pills options, metric values, st.table cells. Titles, names, notes, unit labels and kudos reach
those only through this module (a test walks the code to hold every call to it).

What Streamlit 1.67's renderer interprets (react-markdown with remark-gfm, remark-math,
remark-directive, remark-emoji and Streamlit's own plugins), and how it is made literal here:

- CommonMark and GFM syntax (emphasis, links, images, code, tables, strikethrough, footnotes,
  entities, HTML, autolinks in ``<…>``) and LaTeX (``$…$``, ``$$…$$``): a backslash, the escape
  CommonMark defines, before each character that opens such a construct anywhere in a line;
  what starts a block only at the start of a line (headings, setext ``===`` / ``---``
  underlines, list items, quotes, thematic breaks, task lists) is escaped there;
- what plugins find in the text *after* parsing, where a backslash no longer counts (an
  escaped character merges back into its text): directives (``:red[…]``, ``:blue-badge[…]``,
  ``:small[…]``, ``:help[…]``), ``:material/icon:``, emoji codes (``:smile:``), ``:streamlit:``,
  GFM autolink literals (``www.…``, ``http://…``, ``name@host``) and typographic arrows
  (``->``, ``<=``, ``--``): an invisible WORD JOINER (U+2060) breaks each pattern;
- lines: a newline becomes a space where the text sits in one line (``md``: a heading, a bold
  title, a label) and a hard line break in a block (``md_block``: notes, descriptions); leading
  spaces become no-break spaces, so no line turns into an indented code block;
- direction: explicit bidirectional controls (U+202E …) stay inside the text (it is wrapped in
  a first-strong isolate, their unmatched closings dropped), so they cannot reorder the app's
  own words around it.

``Markdown`` marks text that is already safe: ``md`` returns it unchanged, so a piece built
here can be put into another. Anything else (a plain ``str``) is escaped, even when it came from
a translation: app Markdown goes in a template (``md_format``) or straight into the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD_JOINER = "\u2060"
NO_BREAK_SPACE = "\u00a0"

# Characters that open a construct of CommonMark, GFM, remark-math or remark-directive
# anywhere in a line: emphasis, code, links and images ('[' — so '!', '(' and ')' mean nothing
# after it), footnotes, HTML and autolinks ('<'), LaTeX, strikethrough and fences, tables,
# directive attributes. Directives themselves start at a ':' (broken below); an '&' only
# where it starts an entity ("&amp;", "&#60;"), a '_' only where it can be emphasis.
_ANYWHERE = "\\`*[]{}<$~|"
_ESCAPES = str.maketrans({char: "\\" + char for char in _ANYWHERE})
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# '_' opens or closes emphasis unless it stands between two letters or digits (OKR_ENV).
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What starts a block at the start of a line: an ATX heading, a quote, a bullet or ordered
# list item ("1." / "1)"), a setext underline or a thematic break ('-', '='; '*' and '_' are
# escaped anywhere).
_BLOCK_MARK = re.compile(r"^([ \t]*)([#>+=-])")
_ORDERED_MARK = re.compile(r"^([ \t]*\d{1,9})([.)])")
# Patterns that plugins look for in parsed text: a word joiner goes where the match would be.
_BREAK_AFTER_COLON = re.compile(r":(?=\S)")  # directives, icons, emoji codes, http://, mailto:
_BREAK_WWW = re.compile(r"(?<=www)(?=\.)", re.IGNORECASE)  # www.example.com
_BREAK_AFTER_AT = re.compile(r"@(?=\S)")  # name@example.com
_BREAK_ARROW = re.compile(r"(?<=[-<>~])(?=[-<>=])")  # -> <- <-> -- >= <= ~=
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_LEADING_SPACE = re.compile(r"^[ \t]+")
# Explicit directional formatting: embeddings, overrides (U+202A–U+202E), isolates (U+2066–8)
# and their closings (U+202C, U+2069).
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ISOLATE_OPEN = "\u2066\u2067\u2068"
_FIRST_STRONG_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation
_INVISIBLE = re.compile("[\u2060\u2068\u2069]")


class Markdown(str):
    """Markdown that is safe to render: the app's own markup with people's text made literal."""

    __slots__ = ()


def md(value: object) -> Markdown:
    """``value`` as literal text on one line of Markdown (a title, a name, a label)."""
    if isinstance(value, Markdown):
        return value
    return Markdown(_literal(_LINE_BREAK.sub(" ", _text(value))))


def md_block(value: object) -> Markdown:
    """``value`` as literal text keeping its lines (a note, a description, a kudos message):
    each line break shows as one, an empty line starts a new paragraph."""
    if isinstance(value, Markdown):
        return value
    lines = _LINE_BREAK.split(_text(value))
    return Markdown("  \n".join(_literal(line) if line.strip() else "" for line in lines))


def bold(value: object) -> Markdown:
    """``value`` in bold (nothing for empty text: a bare ``****`` draws a horizontal rule)."""
    text = md(value).strip(" " + NO_BREAK_SPACE)
    return Markdown(f"**{text}**" if text else "")


def md_format(template: str, /, *args: object, **values: object) -> Markdown:
    """The app's Markdown ``template`` (a translated string) with people's text put into its
    ``{placeholders}`` literally; values that are ``Markdown`` already go in as they are."""
    return Markdown(
        template.format(*(md(arg) for arg in args), **{k: md(v) for k, v in values.items()})
    )


def md_join(separator: str, values: Iterable[object]) -> Markdown:
    """``values`` made literal (``Markdown`` ones as they are), joined by the app's
    ``separator``: ``md_join(" · ", [team, owner])``."""
    return Markdown(separator.join(md(value) for value in values))


def small(details: object) -> Markdown:
    """Text shown small and grey, as a caption shows it, inside a line of Markdown."""
    return Markdown(f":gray[:small[{md(details)}]]")


def colored(value: object, color: str) -> Markdown:
    """Text in one of Streamlit's colours (``color`` is the app's own: "orange", "gray" …)."""
    return Markdown(f":{color}[{md(value)}]")


def badge(label: object, color: str, icon: str | None = None) -> Markdown:
    """A badge as a Markdown directive, to put in a line of text (one element where
    ``st.badge`` is one more). ``color`` and ``icon`` are the app's own (a colour name, a
    ``:material/…:`` code); ``label`` is made literal."""
    return Markdown(f":{color}-badge[{f'{icon} ' if icon else ''}{md(label)}]")


def as_read(markdown: str) -> str:
    """What a reader sees of text made here, as plain text: escapes resolved, the invisible
    word joiners and isolates gone (tests compare messages with it)."""
    return _INVISIBLE.sub("", _ESCAPED.sub(r"\1", markdown)).replace(NO_BREAK_SPACE, " ")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _literal(text: str) -> str:
    """One line of text with every Markdown, directive, shortcode and autolink made literal."""
    for pattern in (_BREAK_AFTER_COLON, _BREAK_AFTER_AT, _BREAK_WWW, _BREAK_ARROW):
        text = pattern.sub(lambda match: match.group() + WORD_JOINER, text)
    text = _ENTITY.sub(r"\\&", text.translate(_ESCAPES))
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ORDERED_MARK.sub(r"\1\\\2", _BLOCK_MARK.sub(r"\1\\\2", text))
    text = _LEADING_SPACE.sub(lambda match: NO_BREAK_SPACE * len(match.group()), text)
    return _isolate_direction(text)


def _isolate_direction(text: str) -> str:
    """Text holding explicit direction controls, wrapped in an isolate they cannot leave: a
    closing with nothing of the text's own to close is dropped (it would close the isolate),
    isolates the text leaves open are closed before it ends."""
    if not _BIDI_CONTROL.search(text):
        return text
    kept, open_isolates = [], 0
    for char in text:
        if char in _ISOLATE_OPEN:
            open_isolates += 1
        elif char == _POP_ISOLATE:
            if not open_isolates:
                continue
            open_isolates -= 1
        kept.append(char)
    return _FIRST_STRONG_ISOLATE + "".join(kept) + _POP_ISOLATE * (open_isolates + 1)
