"""Which language to answer a reporter in.

In order: an explicit language keyword (``FR``, ``SW``, ``EN``), which sticks to the
reporter; the reporter's earlier explicit choice; the text of this message, when lingua is
confident; the language a keyword is written in (``STATUT``, ``HALI``); what the reporter
was last answered in; the country of the number; English.

lingua is built for the languages of the region it knows (English, French, Swahili and
Ganda; it has neither Kinyarwanda nor Lingala). Ganda is there so Ugandan and Rwandan
texts are not forced into Swahili; Casework has no Ganda replies, so a Ganda text falls
through to the country code.
"""

from __future__ import annotations

import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from casework.intake.replies import DEFAULT_LANGUAGE, LANGUAGES

_LINGUA = {
    Language.ENGLISH: "en",
    Language.FRENCH: "fr",
    Language.SWAHILI: "sw",
    Language.GANDA: "lg",
}
# Below this, lingua is guessing: mixed Swahili-French texts and Kinyarwanda land near 0.5.
CONFIDENCE = 0.7
MIN_LETTERS = 5

# Country of the number -> reply language, when the text does not say.
COUNTRY_LANGUAGE = {
    "CD": "fr",
    "BI": "fr",
    "RW": "en",
    "UG": "en",
    "TZ": "sw",
    "KE": "sw",
    "CG": "fr",
    "FR": "fr",
    "BE": "fr",
}

_detector: LanguageDetector | None = None
_lock = threading.Lock()


def detector() -> LanguageDetector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_languages(*_LINGUA)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def detect(text: str) -> str | None:
    """The language of ``text`` as a short code ("en", "fr", "sw", "lg"), or None if unsure."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    values = detector().compute_language_confidence_values(text)
    if not values or values[0].value < CONFIDENCE:
        return None
    return _LINGUA.get(values[0].language)


def choose(
    *,
    keyword_choice: str | None = None,
    reporter_language: str | None = None,
    reporter_source: str | None = None,
    detected: str | None = None,
    keyword_language: str | None = None,
    country: str | None = None,
) -> tuple[str, str]:
    """``(language, source)`` for the reply; source is what to remember on the reporter."""
    if keyword_choice in LANGUAGES:
        return keyword_choice, "keyword"
    if reporter_source == "keyword" and reporter_language in LANGUAGES:
        return reporter_language, "keyword"
    if detected in LANGUAGES:
        return detected, "text"
    if keyword_language in LANGUAGES:
        return keyword_language, "text"
    if reporter_language in LANGUAGES:
        return reporter_language, reporter_source or "text"
    by_country = COUNTRY_LANGUAGE.get(country or "")
    if by_country:
        return by_country, "country"
    return DEFAULT_LANGUAGE, "country"
