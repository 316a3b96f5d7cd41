"""Translation and locale formatting: every string a person reads goes through gettext.

Catalogs are gettext ``.po`` files under ``locales/<language>/LC_MESSAGES/messages.po``;
Babel compiles one in memory the first time a language is used, so an edited catalog never
goes stale against a committed ``.mo``. ``locales/messages.pot`` is the extracted template
(``pybabel extract -F babel.cfg -o locales/messages.pot .``, see the README).

The language is per script run: the shell sets it at the top of every run from the person's
choice (``set_language``); callbacks that run before that ask the resolver the shell
registered. Plain Python code (core, db) just calls ``_``.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The languages a person may choose, each named in itself (as a switch shows them).
LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}

_language: ContextVar[str | None] = ContextVar("okr_language", default=None)
_resolver: list[Callable[[], str | None]] = []


def set_language(language: str | None) -> str:
    """Use this language for the rest of the run (unknown codes fall back to English)."""
    code = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(code)
    return code


def set_resolver(resolver: Callable[[], str | None]) -> None:
    """Where to find the language when none was set in this thread (Streamlit callbacks)."""
    _resolver[:] = [resolver]


def current_language() -> str:
    code = _language.get()
    if code is None and _resolver:
        code = _resolver[0]()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language; English is the source text itself."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """The message in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language."""
    return translations(current_language()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """A message whose meaning depends on a context (the same English word, two senses)."""
    return translations(current_language()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated with ``_`` where it is shown."""
    return message


@contextmanager
def using_language(language: str | None) -> Iterator[str]:
    """Speak another language for a while (an email in the reader's language)."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


# ---- Locale formatting (Babel) -------------------------------------------------------------


def locale() -> Locale:
    return _locale(current_language())


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.cache
def number_pattern(pattern: str) -> numbers.NumberPattern:
    """A number format parsed once: babel parses a pattern given as text on every call, which
    was a tenth of the time of formatting the numbers a long page shows."""
    return numbers.parse_pattern(pattern)


def format_decimal(value: float, decimals: int | None = None) -> str:
    """1,234.5 in English, 1.234,5 in Vietnamese; at most ``decimals`` (default 2) places."""
    places = 2 if decimals is None else decimals
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return numbers.format_decimal(value, format=number_pattern(pattern), locale=locale())


def format_fixed(value: float, decimals: int, in_locale: Locale | None = None) -> str:
    """Exactly ``decimals`` places (0.70 / 0,70), in ``in_locale`` or the current language."""
    pattern = number_pattern("0." + "0" * decimals)
    return numbers.format_decimal(value, format=pattern, locale=in_locale or locale())


def format_currency(value: float, currency: str) -> str:
    """With the currency's own number of decimals: VND and JPY have none."""
    return numbers.format_currency(value, currency.upper(), locale=locale())


def format_percent_value(value: float) -> str:
    """A value already in percent (45 → "45%" in English, "45%" in Vietnamese)."""
    return numbers.format_percent(value / 100, format=number_pattern("#,##0.#%"), locale=locale())


def format_date(value: date | datetime, style: str = "medium") -> str:
    """26 Nov 2026 / 26 thg 11, 2026."""
    return dates.format_date(value, format=style, locale=locale())


def format_datetime(value: datetime, style: str = "medium") -> str:
    return dates.format_datetime(value, format=style, locale=locale())
