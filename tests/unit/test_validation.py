import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationError
from core.validation import (
    clean_text,
    periods_overlap,
    validate_confidence,
    validate_currency_code,
    validate_cycle_dates,
    validate_email,
    validate_password,
    validate_username,
)

# --- clean_text --------------------------------------------------------------------------


def test_clean_text_strips_and_returns_the_text():
    assert clean_text("  Grow revenue  ", "title", max_len=200) == "Grow revenue"


@pytest.mark.parametrize("value", ["", "   ", "\n\t ", None])
def test_required_text_must_not_be_blank(value):
    with pytest.raises(ValidationError, match="^Title is required.$"):
        clean_text(value, "title", max_len=200)


def test_optional_blank_text_is_empty():
    assert clean_text("  ", "note", max_len=10, required=False) == ""
    assert clean_text(None, "note", max_len=10, required=False) == ""


def test_text_longer_than_max_len_is_refused():
    assert clean_text("x" * 10, "title", max_len=10) == "x" * 10
    with pytest.raises(ValidationError, match=r"^Title is too long \(at most 10 characters\).$"):
        clean_text("x" * 11, "title", max_len=10)


def test_length_counts_characters_not_bytes_and_not_combining_marks():
    decomposed = unicodedata.normalize("NFD", "Tăng doanh thu")
    assert len(decomposed) > 14
    assert clean_text(decomposed, "title", max_len=14) == "Tăng doanh thu"


def test_newlines_and_tabs_are_kept_and_windows_line_endings_normalised():
    assert clean_text("line 1\r\nline 2\tx\rz", "note", max_len=100) == "line 1\nline 2\tx\nz"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x7fb", "a\ud800b"])
def test_control_characters_are_refused(bad):
    with pytest.raises(ValidationError, match="Note contains invisible control characters"):
        clean_text(bad, "note", max_len=100)


def test_emoji_and_vietnamese_text_are_fine():
    assert clean_text("Khách hàng hài lòng 👍🏽", "title", max_len=50).endswith("👍🏽")


def test_non_text_is_refused():
    with pytest.raises(ValidationError, match="Title must be text."):
        clean_text(42, "title", max_len=10)


# --- passwords ---------------------------------------------------------------------------


def test_password_of_ten_characters_is_accepted():
    validate_password("abcdefghij")


@pytest.mark.parametrize("pw", ["", "short", "abcdefghi"])
def test_short_password_is_refused(pw):
    with pytest.raises(ValidationError, match="Password"):
        validate_password(pw)


def test_short_password_message():
    with pytest.raises(ValidationError, match="^Password must be at least 10 characters.$"):
        validate_password("abcdefghi")


def test_all_whitespace_password_is_refused():
    with pytest.raises(ValidationError, match="only spaces"):
        validate_password(" " * 12)


def test_password_limit_is_72_bytes_not_72_characters():
    validate_password("a" * 72)
    with pytest.raises(ValidationError, match="at most 72 bytes"):
        validate_password("a" * 73)


def test_vietnamese_password_over_72_bytes_is_refused():
    pw = "Mật khẩu của tôi rất dài và có nhiều dấu tiếng Việt đấy nhé"  # 59 chars, 83 bytes
    assert len(pw) < 72 < len(pw.encode())
    with pytest.raises(ValidationError, match="fewer accented characters/emoji"):
        validate_password(pw)


def test_emoji_password_over_72_bytes_is_refused():
    pw = "🔐" * 19  # 19 characters, 76 bytes
    with pytest.raises(ValidationError, match="bcrypt's limit"):
        validate_password(pw)
    validate_password("🔐" * 18)  # exactly 72 bytes


# --- usernames and emails -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"), [("  Alice ", "alice"), ("nguyen.van-a_1", "nguyen.van-a_1"), ("abc", "abc")]
)
def test_username_is_normalised(raw, clean):
    assert validate_username(raw) == clean


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Username is required."),
        (None, "Username is required."),
        ("ab", "3 to 40"),
        ("a" * 41, "3 to 40"),
        ("john doe", "may only contain"),
        ("nguyễn", "may only contain"),
        ("bob@x", "may only contain"),
    ],
)
def test_bad_usernames_are_refused(raw, message):
    with pytest.raises(ValidationError, match=message):
        validate_username(raw)


def test_email_is_optional_and_lowercased():
    assert validate_email(None) is None
    assert validate_email("  ") is None
    assert validate_email(" An.Nguyen@Example.COM ") == "an.nguyen@example.com"


@pytest.mark.parametrize(
    "bad", ["no-at-sign", "a@b", "a @b.com", "a@@b.com", "x@" + "y" * 260 + ".z"]
)
def test_bad_emails_are_refused(bad):
    with pytest.raises(ValidationError, match="name@example.com"):
        validate_email(bad)


# --- cycles ------------------------------------------------------------------------------


def test_cycle_must_end_after_it_starts():
    validate_cycle_dates(date(2026, 10, 1), date(2026, 12, 31))
    for end in (date(2026, 10, 1), date(2026, 9, 30)):
        with pytest.raises(ValidationError, match="^The end date must be after the start date.$"):
            validate_cycle_dates(date(2026, 10, 1), end)


def test_cycle_dates_are_required():
    with pytest.raises(ValidationError, match="Start date is required."):
        validate_cycle_dates(None, date(2026, 1, 1))
    with pytest.raises(ValidationError, match="End date is required."):
        validate_cycle_dates(date(2026, 1, 1), None)


Q1 = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("other", "overlap"),
    [
        ((date(2026, 4, 1), date(2026, 6, 30)), False),  # next quarter
        ((date(2025, 10, 1), date(2025, 12, 31)), False),  # previous quarter
        ((date(2026, 3, 31), date(2026, 6, 30)), True),  # shares the last day
        ((date(2026, 2, 1), date(2026, 2, 28)), True),  # inside
        ((date(2026, 1, 1), date(2026, 12, 31)), True),  # around
    ],
)
def test_periods_overlap(other, overlap):
    assert periods_overlap(*Q1, *other) is overlap
    assert periods_overlap(*other, *Q1) is overlap


# --- confidence and currency -----------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [(0, 0), (10, 10), (7.0, 7), (" 7 ", 7)])
def test_confidence_is_a_whole_number_from_0_to_10(raw, value):
    assert validate_confidence(raw) == value


@pytest.mark.parametrize("bad", [-1, 11, 7.5, "seven", "7.5", True, "٧"])
def test_bad_confidence_is_refused(bad):
    with pytest.raises(ValidationError, match="whole number from 0 to 10"):
        validate_confidence(bad)


def test_missing_confidence_is_refused():
    with pytest.raises(ValidationError, match="Confidence is required."):
        validate_confidence(None)


@given(st.integers(min_value=0, max_value=10))
def test_every_confidence_on_the_scale_is_accepted(c):
    assert validate_confidence(c) == c == validate_confidence(str(c))


@pytest.mark.parametrize(("raw", "code"), [("VND", "VND"), (" usd ", "USD")])
def test_currency_code_is_normalised(raw, code):
    assert validate_currency_code(raw) == code


@pytest.mark.parametrize("bad", ["US", "USDT", "U$D", "đồn", "12A"])
def test_bad_currency_codes_are_refused(bad):
    with pytest.raises(ValidationError, match="3 letters, e.g. VND or USD"):
        validate_currency_code(bad)


def test_missing_currency_code_is_refused():
    with pytest.raises(ValidationError, match="Currency code is required."):
        validate_currency_code(" ")
