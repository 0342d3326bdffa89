"""Domain errors raised by operations; views translate them into HTTP."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from workflows import GuardFailed, TransitionNotAllowed


class CaseworkError(Exception):
    """Base for errors a user can act on; the message is a sentence for them.

    Operations raise with a ``lazy_gettext`` sentence (placeholders filled at raise time),
    so ``str(exc)`` is in the language of whoever reads it: the user's, in a request;
    English in a CLI command or a job.
    """


class PermissionDenied(CaseworkError):
    pass


class StaleCase(CaseworkError):
    """Somebody else changed the case since the form was loaded."""

    def __init__(self, message: str | LazyString | None = None):
        super().__init__(
            message
            or _l(
                "Someone else changed this case while you were editing it. "
                "Reload the page to see their changes, then try again."
            )
        )


class InvalidInput(CaseworkError):
    pass


__all__ = [
    "CaseworkError",
    "GuardFailed",
    "InvalidInput",
    "PermissionDenied",
    "StaleCase",
    "TransitionNotAllowed",
]
