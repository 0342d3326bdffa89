"""Every reply, in every language, fits in two SMS segments."""

from __future__ import annotations

import string

import pytest

from casework.intake.replies import (
    LANGUAGES,
    REPLIES,
    STATUS_WORDS,
    is_gsm7,
    render,
    segments,
    status_reply,
)
from workflows import STATES

LONGEST_REFERENCE = "CW-WWWW-WWWW"


def renderings():
    for lang in LANGUAGES:
        for key in REPLIES[lang]:
            if key == "status":
                for state in STATES:
                    yield lang, f"status/{state}", status_reply(LONGEST_REFERENCE, state, lang)
            else:
                yield lang, key, render(key, lang, ref=LONGEST_REFERENCE)


@pytest.mark.parametrize(("lang", "key", "text"), list(renderings()))
def test_every_reply_fits_in_two_segments(lang, key, text):
    assert segments(text) <= 2, f"{lang}/{key} takes {segments(text)} segments: {text!r}"


@pytest.mark.parametrize(("lang", "key", "text"), list(renderings()))
def test_replies_stay_in_the_gsm_alphabet(lang, key, text):
    """One non-GSM character (ç, ê, an emoji...) would cut each segment to 70 characters."""
    assert is_gsm7(text), [c for c in text if not is_gsm7(c)]


def test_every_language_has_every_reply_and_every_state():
    keys = set(REPLIES["en"])
    for lang in LANGUAGES:
        assert set(REPLIES[lang]) == keys, lang
        assert set(STATUS_WORDS[lang]) == set(STATES), lang
    assert {"en", "fr", "sw"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_reply_has_reference_safety_note_details_and_status(lang):
    text = render("new_case", lang, ref=LONGEST_REFERENCE)
    assert text.count(LONGEST_REFERENCE) == 2  # once to keep, once in the status command
    status_word = {"en": "STATUS", "fr": "STATUT", "sw": "HALI"}[lang]
    assert f"{status_word} {LONGEST_REFERENCE}" in text
    safety = {"en": "private", "fr": "secrète", "sw": "siri"}[lang]
    assert safety in text


def test_unknown_languages_fall_back_to_english():
    assert render("help", "rw") == REPLIES["en"]["help"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é is in the GSM alphabet
        ("€" * 80, 1),  # extension characters count twice
        ("€" * 81, 2),
        ("ç" * 70, 1),  # ç is not: UCS-2
        ("ç" * 71, 2),
        ("ç" * 134, 2),
        ("ç" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments(text, expected):
    assert segments(text) == expected


def test_gsm_alphabet_covers_plain_ascii_letters_and_digits():
    assert is_gsm7(string.ascii_letters + string.digits + " .,:;!?'\"()-+/=<>@")
