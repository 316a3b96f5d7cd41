"""Input checks for forms and imports: each returns the cleaned value or raises
ValidationError with a message the user can act on."""

import re
import unicodedata
from datetime import date

from core._text import label
from core.errors import ValidationError
from core.i18n import _

_USERNAME = re.compile(r"[a-z0-9._-]{3,40}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_ALLOWED_CONTROLS = {"\n", "\t"}
# Cc: control characters (NUL breaks PostgreSQL text); Cs: lone surrogates (not encodable).
_FORBIDDEN_CATEGORIES = {"Cc", "Cs"}
PASSWORD_MIN_CHARS = 10
PASSWORD_MAX_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything longer
MAX_EMAIL_LENGTH = 254


def clean_text(value: object, field: str, *, max_len: int, required: bool = True) -> str:
    """Stripped, NFC-normalised text with line endings as "\\n".

    NFC makes the same Vietnamese text typed on different systems equal and counts its length
    in characters as people see them. Empty optional text is returned as "".
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("{field} must be text.").format(field=label(field)))
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        if required:
            raise ValidationError(_("{field} is required.").format(field=label(field)))
        return ""
    if len(text) > max_len:
        raise ValidationError(
            _("{field} is too long (at most {max_len} characters).").format(
                field=label(field), max_len=max_len
            )
        )
    if any(_is_forbidden_char(c) for c in text):
        raise ValidationError(
            _("{field} contains invisible control characters; please retype it.").format(
                field=label(field)
            )
        )
    return text


def _is_forbidden_char(char: str) -> bool:
    return char not in _ALLOWED_CONTROLS and unicodedata.category(char) in _FORBIDDEN_CATEGORIES


def validate_password(pw: str) -> None:
    """Refuse passwords that are short, blank, or longer than bcrypt can hash."""
    if not isinstance(pw, str) or not pw:
        raise ValidationError(_("Password is required."))
    if not pw.strip():
        raise ValidationError(_("Password cannot be only spaces."))
    if len(pw) < PASSWORD_MIN_CHARS:
        raise ValidationError(
            _("Password must be at least {count} characters.").format(count=PASSWORD_MIN_CHARS)
        )
    if any(_is_forbidden_char(c) for c in pw):
        raise ValidationError(
            _("Password contains invisible control characters; please retype it.")
        )
    if len(pw.encode("utf-8", errors="surrogatepass")) > PASSWORD_MAX_BYTES:
        raise ValidationError(
            _(
                "Password must be at most {count} bytes (bcrypt's limit); "
                "shorter, or fewer accented characters/emoji."
            ).format(count=PASSWORD_MAX_BYTES)
        )


def validate_username(u: object) -> str:
    """Lower-cased username of 3–40 characters from a–z, 0–9, ".", "_" and "-"."""
    if not isinstance(u, str) or not u.strip():
        raise ValidationError(_("Username is required."))
    name = u.strip().lower()
    if not 3 <= len(name) <= 40:
        raise ValidationError(_("Username must be 3 to 40 characters long."))
    if not _USERNAME.fullmatch(name):
        raise ValidationError(
            _("Username may only contain letters a–z, digits, dots, hyphens and underscores.")
        )
    return name


def validate_email(e: object) -> str | None:
    """Optional email: empty → None; otherwise lower-cased and roughly name@domain.tld."""
    if e is None or (isinstance(e, str) and not e.strip()):
        return None
    if not isinstance(e, str):
        raise ValidationError(_("Email must be text."))
    email = e.strip().lower()
    if (
        len(email) > MAX_EMAIL_LENGTH
        or not _EMAIL.fullmatch(email)
        or any(_is_forbidden_char(c) for c in email)
    ):
        raise ValidationError(_("Email is not valid; expected something like name@example.com."))
    return email


def validate_cycle_dates(start: date | None, end: date | None) -> None:
    """A cycle needs both dates and must end after it starts."""
    if start is None:
        raise ValidationError(_("Start date is required."))
    if end is None:
        raise ValidationError(_("End date is required."))
    if end <= start:
        raise ValidationError(_("The end date must be after the start date."))


def periods_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two periods share at least one day; both ends are inclusive (a cycle's last
    day is part of it), so Q1 ending 31 March and Q2 starting 1 April do not overlap."""
    return a_start <= b_end and b_start <= a_end


def validate_confidence(c: object) -> int:
    """Confidence as a whole number 0–10 (accepts 7, 7.0 or "7")."""
    message = _("Confidence must be a whole number from 0 to 10.")
    if c is None or (isinstance(c, str) and not c.strip()):
        raise ValidationError(_("Confidence is required."))
    if isinstance(c, bool):
        raise ValidationError(message)
    if isinstance(c, str):
        if not c.strip().isascii() or not c.strip().isdigit():
            raise ValidationError(message)
        c = int(c.strip())
    if isinstance(c, float) and c.is_integer():
        c = int(c)
    if not isinstance(c, int) or not 0 <= c <= 10:
        raise ValidationError(message)
    return c


def validate_currency_code(code: object) -> str:
    """ISO-4217-style code: three letters, returned upper-case (e.g. "vnd" → "VND")."""
    if not isinstance(code, str) or not code.strip():
        raise ValidationError(_("Currency code is required."))
    normalised = code.strip().upper()
    if not _CURRENCY.fullmatch(normalised):
        raise ValidationError(_("Currency code must be 3 letters, e.g. VND or USD."))
    return normalised
