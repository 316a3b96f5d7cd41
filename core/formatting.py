"""How values read to people: numbers with their unit, ages of check-ins, days.

Numbers, currencies, percentages and dates follow the reader's language through Babel
(core.i18n): "1,200,000" / "1.200.000", "₫1,200,000" / "1.200.000 ₫", "45%", "26 Nov 2026" /
"26 thg 11, 2026". Words ("done", "today", "stay at or above …") go through gettext.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

from babel import numbers

from core import i18n
from core.enums import KRKind, Unit
from core.i18n import _, ngettext

EMPTY = "—"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, decimals: int | None = None) -> str:
    """Thousands separators; decimals only where the value has them (up to 2)."""
    if _missing(value):
        return EMPTY
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    return i18n.format_decimal(value, decimals)


def format_percent(value: float, decimals: int = 2) -> str:
    """A value already in percent, with decimals only where it has them: "45%", "12.5%"."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "") + "%"
    # Decimal from the float's shortest repr: dividing by 100 adds no binary noise.
    share = Decimal(repr(float(value))) / 100
    return numbers.format_percent(share, format=i18n.number_pattern(pattern), locale=i18n.locale())


def format_score(score: float | None) -> str:
    """A score with its one decimal, as OKR scores are read: "0.7" / "0,7"; none → "—"."""
    if _missing(score):
        return EMPTY
    return i18n.format_fixed(float(score), 1)


def format_money(value: float, currency_code: str | None) -> str:
    """An amount in its currency, with the currency's own decimals (VND none, USD two)."""
    code = (currency_code or "").strip().upper()
    if not code:
        return format_number(value)
    return i18n.format_currency(value, code)


def format_value(
    value: float | None,
    kind: str,
    unit: str,
    currency_code: str | None = None,
    unit_label: str | None = None,
) -> str:
    """A KR value as people read it: "₫1,200,000", "45%", "12 customers", "done"."""
    if kind == KRKind.MILESTONE:
        return _("done") if value is not None and value >= 1 else _("not done")
    if _missing(value):
        return EMPTY
    if unit == Unit.PERCENT:
        return format_percent(value)
    if unit == Unit.CURRENCY:
        return format_money(value, currency_code)
    if unit == Unit.TEXT and unit_label:
        return f"{format_number(value)} {unit_label}"
    return format_number(value)


def format_target(
    kind: str,
    start: float | None,
    target: float | None,
    unit: str,
    currency_code: str | None = None,
    unit_label: str | None = None,
) -> str:
    """What the KR aims for, e.g. "0 → 100%", "stay at or above 95%", "milestone"."""

    def fmt(value: float | None) -> str:
        return format_value(value, kind, unit, currency_code, unit_label)

    if kind == KRKind.MILESTONE:
        return _("milestone")
    if kind == KRKind.STAY_ABOVE:
        return _("stay at or above {value}").format(value=fmt(target))
    if kind == KRKind.STAY_BELOW:
        return _("stay at or below {value}").format(value=fmt(target))
    return f"{fmt(start)} → {fmt(target)}"


def format_age(days: int | None) -> str:
    """How long ago the last update was: "today", "yesterday", "5 days ago", "never"."""
    if _missing(days):
        return _("never")
    days = int(days)  # numpy / pandas integers: gettext's plural rule wants an int
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return ngettext("{count} day ago", "{count} days ago", days).format(count=days)


def format_day(value: date | datetime | None, style: str = "medium") -> str:
    """A date as the reader's language writes it: "26 Nov 2026" / "26 thg 11, 2026"."""
    if value is None:
        return EMPTY
    return i18n.format_date(value, style)
