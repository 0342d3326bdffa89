"""Reading what a reporter typed: a keyword, a status request, or a report.

Keywords are matched on the whole message (``HELP``, ``STOP``, ``FR``...) or on its first
word (``STATUS <ref>``, ``NEW <text>``), ignoring case, accents and trailing punctuation.
Whole-message matching matters: "Aidez-nous", "Msaada! watu wenye silaha..." or
"Hali ni mbaya..." are reports, not requests for help or status.

Anonymous reports: ``ANON <text>`` (French ``ANONYME``; Swahili
``BILA JINA``, "without a name", or ``BILAJINA``) opens a case that keeps no number, and a
message that starts with a case reference (``CW-7K3Q-92MX more details``) is an addition
to that case: the only way back to an anonymous case (`casework.intake.anonymous`). A
reference alone asks for the case's status, like ``STATUS <ref>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from casework.cases.models import CROCKFORD

# keyword -> the language it is written in (None: the same word in every language).
HELP = {"help": "en", "aide": "fr", "msaada": "sw"}
STATUS = {"status": "en", "statut": "fr", "hali": "sw"}
NEW = {"new": "en", "nouveau": "fr", "mpya": "sw"}
STOP = {"stop": None}
START = {"start": None}
# ERASE asks for the number to be erased; "ERASE YES" (in any of the languages) confirms.
ERASE = {"erase": "en", "effacer": "fr", "futa": "sw"}
ERASE_YES = {"yes": "en", "oui": "fr", "ndiyo": "sw"}
LANGUAGE = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "anglais": "en",
    "kiingereza": "en",
    "fr": "fr",
    "francais": "fr",
    "french": "fr",
    "kifaransa": "fr",
    "sw": "sw",
    "swahili": "sw",
    "kiswahili": "sw",
}
# The first word(s) of an anonymous report. What an SMS user types: short, no accents.
# Not "anonymous": "Anonymous men came to the pit..." is an ordinary report, and a reporter
# who did not mean it would lose the way to follow their case up.
ANON = {"anon": "en", "anonyme": "fr", "bila jina": "sw", "bilajina": "sw"}

# Letters people type for the digits they resemble (Crockford base32 leaves them out).
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_TRAILING = " \t\r\n.!?,;:-_*#"


@dataclass(frozen=True)
class Parsed:
    """``kind`` is one of report, new, new_without_text, status, help, stop, start, language,
    erase, erase_confirm, empty. ``language`` is the language the keyword itself is written
    in, if it has one; ``text`` the report part (for report and new); ``reference`` the
    normalised reference a status request names (None when it names none; "" when what it
    names cannot be one)."""

    kind: str
    text: str = ""
    language: str | None = None
    reference: str | None = None


def fold(text: str) -> str:
    """Lower case, no accents: how keywords and site names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise_reference(raw: str, prefix: str = "CW") -> str | None:
    """``cw 7k3q-92mx``, ``7K3Q92MX`` -> ``CW-7K3Q-92MX``; None when it cannot be one."""
    chars = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    prefix = prefix.upper()
    if len(chars) == len(prefix) + 8 and chars.startswith(prefix):
        chars = chars[len(prefix) :]
    if len(chars) != 8:
        return None
    chars = chars.translate(_CONFUSABLE)
    if any(c not in CROCKFORD for c in chars):
        return None
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def _looks_like_reference(rest: str, prefix: str) -> bool:
    """A status keyword's argument, as opposed to the rest of a sentence ("Hali ni mbaya")."""
    if len(rest.split()) > 3:
        return False
    chars = re.sub(r"[^0-9A-Za-z]", "", rest).upper()
    if chars.startswith(prefix.upper()):
        return len(chars) <= len(prefix) + 10
    return 6 <= len(chars) <= 10 and any(c.isdigit() for c in chars)


def parse(body: str, *, prefix: str = "CW") -> Parsed:
    text = body.strip()
    if not text:
        return Parsed("empty")
    whole = fold(text).strip(_TRAILING)
    if whole in HELP:
        return Parsed("help", language=HELP[whole])
    if whole in STOP:
        return Parsed("stop")
    if whole in START:
        return Parsed("start")
    if whole in ERASE:
        return Parsed("erase", language=ERASE[whole])
    words = whole.split()
    if len(words) == 2 and words[0] in ERASE and words[1].strip(_TRAILING) in ERASE_YES:
        return Parsed("erase_confirm", language=ERASE[words[0]])
    if whole in LANGUAGE:
        return Parsed("language", language=LANGUAGE[whole])
    if whole in NEW:
        return Parsed("new_without_text", language=NEW[whole])
    if whole in STATUS:
        return Parsed("status", language=STATUS[whole])
    anonymous = _anonymous(text, prefix)
    if anonymous is not None:
        return anonymous
    addition = by_reference(text, prefix)
    if addition is not None:
        return addition

    match = re.match(r"([^\s:]+)\s*[:\s]\s*(.*)", text, re.DOTALL)
    if match is None:
        return Parsed("report", text=body)
    first, rest = match.group(1), match.group(2).strip()
    word = fold(first).strip(_TRAILING)
    if word in STATUS and _looks_like_reference(rest, prefix):
        return Parsed(
            "status",
            language=STATUS[word],
            reference=normalise_reference(rest, prefix) or "",
        )
    if word in NEW and rest:
        return Parsed("new", text=rest, language=NEW[word])
    return Parsed("report", text=body)


def _anonymous(text: str, prefix: str) -> Parsed | None:
    """``ANON <text>``: kind anon (with ``reference`` when the text starts with one, the
    way back to an earlier anonymous report); ``ANON`` alone: anon_without_text; None when
    the message does not start with an anonymity keyword."""
    for count in (2, 1):  # "bila jina" is two words
        parts = re.split(r"[\s:]+", text.strip(), maxsplit=count)
        head = fold(" ".join(parts[:count])).strip(_TRAILING)
        if len(parts) < count or head not in ANON:
            continue
        rest = parts[count].strip().lstrip(_TRAILING) if len(parts) > count else ""
        if not rest:
            return Parsed("anon_without_text", language=ANON[head])
        after = by_reference(rest, prefix)
        reference = after.reference if after is not None else None
        return Parsed("anon", text=rest, language=ANON[head], reference=reference)
    return None


def by_reference(text: str, prefix: str) -> Parsed | None:
    """A message that starts with a case reference, prefix included (``CW-7K3Q-92MX ...``,
    ``cw 7k3q 92mx: ...``): kind by_reference, ``text`` what follows (maybe nothing)."""
    reference = re.escape(prefix) + r"[\s\-]*([0-9A-Za-z]{4})[\s\-]*([0-9A-Za-z]{4})"
    match = re.match(r"\s*" + reference + r"(?![0-9A-Za-z])(.*)", text, re.IGNORECASE | re.DOTALL)
    if match is None:
        return None
    normalised = normalise_reference(match.group(1) + match.group(2), prefix)
    if normalised is None:
        return None
    rest = match.group(3).strip().lstrip(_TRAILING)
    return Parsed("by_reference", text=rest, reference=normalised)
