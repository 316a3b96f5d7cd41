"""Small text helpers shared by the rule modules' user messages."""

from core.i18n import _


def label(field: str) -> str:
    """A field's name, translated and capitalised for the start of a sentence ("title" →
    "Title"). Callers mark the names they pass with ``N_`` so they are extracted."""
    name = _(field)
    return name[:1].upper() + name[1:]
