"""Phone numbers typed by staff (users' and contacts' numbers, on the command line or in a
form), checked and stored in one form: E.164. Reporters' numbers come in by intake."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

# What a form says about a number it cannot read (it does not repeat the number).
INVALID_PHONE = _l(
    "That is not a valid phone number: give it in international form, e.g. +243812345678."
)


def normalise_phone(raw: str) -> str:
    """``+243 812 345 678`` -> ``+243812345678``; raises ValueError when it is not a number.

    The message is for operators (English, with the input quoted); forms show their own
    translated sentence instead.
    """
    try:
        number = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"{raw!r} is not a phone number; give it in international form, e.g. +243812345678."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number for its country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
