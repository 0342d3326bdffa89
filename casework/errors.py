"""Domain errors raised by operations; views translate them into HTTP."""

from workflows import GuardFailed, TransitionNotAllowed


class CaseworkError(Exception):
    """Base for errors a user can act on; the message is a sentence for them."""


class PermissionDenied(CaseworkError):
    pass


class StaleCase(CaseworkError):
    """Somebody else changed the case since the form was loaded."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed this case while you were editing it. "
            "Reload the page to see their changes, then try again."
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
