"""Small text helpers shared by the rule modules' user messages."""


def label(field: str) -> str:
    """Capitalise a field name for the start of a sentence ("title" → "Title")."""
    return field[:1].upper() + field[1:]
