"""Domain errors: a refusal whose message is safe to show to the user as it is.

Messages are translated where the error is raised (``_`` from core.i18n): the language of the
script run is set by then, so ``str(error)`` is already in the reader's language.
"""

from core.i18n import _


class DomainError(Exception):
    """A write was refused; ``str(error)`` is the message for the user."""


class ValidationError(DomainError):
    """The input is invalid (empty title, start == target, ...)."""


class PermissionDenied(DomainError):
    """The actor's role does not allow this write."""


class NotFound(DomainError):
    """The record does not exist (or is not visible to the actor)."""


class StaleVersion(DomainError):
    """An edit was made on an outdated version of the record."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Changed by someone else — reload and try again."))
