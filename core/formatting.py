"""How values read to people: numbers with their unit, ages of check-ins."""

from __future__ import annotations

import math

from core.enums import KRKind, Unit

_NO_DECIMAL_CURRENCIES = {"VND", "JPY", "KRW", "IDR"}


def format_number(value: float | None, decimals: int | None = None) -> str:
    """Thousands separators; decimals only where the value has them (up to 2)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text and decimals else text


def format_value(
    value: float | None,
    kind: str,
    unit: str,
    currency_code: str | None = None,
    unit_label: str | None = None,
) -> str:
    """A KR value as people say it: "1,200,000 VND", "45 %", "12 customers", "done"."""
    if kind == KRKind.MILESTONE:
        return "done" if value is not None and value >= 1 else "not done"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == Unit.PERCENT:
        return f"{format_number(value)} %"
    if unit == Unit.CURRENCY:
        decimals = 0 if (currency_code or "").upper() in _NO_DECIMAL_CURRENCIES else None
        return f"{format_number(value, decimals)} {currency_code or ''}".strip()
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
    """What the KR aims for, e.g. "0 → 100 %", "stay above 95 %", "milestone"."""

    def fmt(value: float | None) -> str:
        return format_value(value, kind, unit, currency_code, unit_label)

    if kind == KRKind.MILESTONE:
        return "milestone"
    if kind == KRKind.STAY_ABOVE:
        return f"stay at or above {fmt(target)}"
    if kind == KRKind.STAY_BELOW:
        return f"stay at or below {fmt(target)}"
    return f"{fmt(start)} → {fmt(target)}"


def format_age(days: int | None) -> str:
    """How long ago the last update was: "today", "yesterday", "5 days ago", "never"."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
