from datetime import date

from core.formatting import format_age, format_day, format_number, format_target, format_value
from core.i18n import using_language


def test_numbers_have_thousands_separators_and_only_needed_decimals():
    assert format_number(1234567) == "1,234,567"
    assert format_number(12.5) == "12.5"
    assert format_number(float("nan")) == "—"


def test_values_carry_their_unit():
    assert format_value(1500000.0, "increase", "currency", "VND") == "₫1,500,000"
    assert format_value(1999.5, "increase", "currency", "USD") == "$1,999.50"
    assert format_value(45, "increase", "percent") == "45%"
    assert format_value(12.75, "increase", "percent") == "12.75%"
    assert format_value(12, "increase", "text", unit_label="customers") == "12 customers"
    assert format_value(1, "milestone", "number") == "done"
    assert format_value(0, "milestone", "number") == "not done"
    assert format_value(None, "increase", "number") == "—"


def test_targets_read_as_sentences():
    assert format_target("decrease", 50, 10, "number") == "50 → 10"
    assert format_target("stay_above", None, 95, "percent") == "stay at or above 95%"
    assert format_target("milestone", 0, 1, "number") == "milestone"


def test_ages():
    assert [format_age(d) for d in (None, 0, 1, 9)] == ["never", "today", "yesterday", "9 days ago"]


def test_vietnamese_numbers_currencies_and_dates():
    with using_language("vi"):
        assert format_number(1234.5) == "1.234,5"
        assert format_value(1_200_000, "increase", "currency", "VND") == "1.200.000\xa0₫"
        assert format_value(45.5, "increase", "percent") == "45,5%"
        assert format_day(date(2026, 11, 26)) == "26 thg 11, 2026"
    assert format_day(date(2026, 11, 26)) == "Nov 26, 2026"
