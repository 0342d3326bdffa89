"""Failures the dispatcher understands: permanent ones end a message, others are retried."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[^\s@<>()\"']+@[^\s@<>()\"']+")
_NUMBER = re.compile(r"\+?\d[\d\s().-]{4,}\d")


def scrub(text: str) -> str:
    """Remove what could be personal data (addresses, phone numbers) from an error text."""
    return _NUMBER.sub("[number]", _EMAIL.sub("[address]", text))


class DeliveryError(Exception):
    """A send that did not go through.

    ``detail`` is for operators and is stored on the outbox row, so it must never hold a
    phone number or an email address; ``code`` is the provider's error code when there is
    one; ``permanent`` means retrying cannot help (an invalid number, an opted-out reporter).
    """

    def __init__(self, detail: str, *, code: str | None = None, permanent: bool = False):
        super().__init__(detail)
        self.detail = scrub(detail)[:500]
        self.code = code[:20] if code else None
        self.permanent = permanent

    @classmethod
    def from_exception(cls, exc: BaseException) -> DeliveryError:
        """A transient error describing an unexpected exception, scrubbed."""
        text = str(exc).splitlines()[0] if str(exc) else ""
        return cls(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


class Undeliverable(DeliveryError):
    """Permanent: this message cannot reach its recipient. Resolvers raise it too."""

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail, code=code, permanent=True)
