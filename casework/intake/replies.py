"""What Casework texts back, in each language, and how many SMS segments it costs.

Reply texts live here rather than in the gettext catalogues because every one of them must
fit in two SMS segments in every language (tests/intake/test_replies.py renders each with
the longest reference and status): translators edit one table and the test tells them when
a translation is too long or uses a character that would switch the SMS to UCS-2
(70 characters a segment instead of 160). French texts therefore avoid ç, ê, ô, â, î, û.

Kinyarwanda and Lingala are not shipped: nobody on the team could check the wording, and a
wrong safety note is worse than none. Adding a language is adding a table below (and its
keywords in `casework.intake.keywords`); the tests pick it up.
"""

from __future__ import annotations

import math

DEFAULT_LANGUAGE = "en"

# One line per key; ``{ref}`` is a case reference, ``{status}`` one of STATUS_WORDS.
REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "new_case": (
            "Report received. Ref {ref}. Keep this ref private: do not show this SMS to "
            "anyone. To add details, reply to this SMS. For news, send STATUS {ref}"
        ),
        "follow_up": (
            "Added to your report {ref}. Thank you. To start a separate report, send NEW "
            "followed by the text."
        ),
        "status": "Report {ref}: {status}. Thank you for reporting.",
        "not_found": (
            "No report found for this reference from your number. Check it and send STATUS "
            "followed by the reference."
        ),
        "help": (
            "Text what happened, where and when; you get a reference. STATUS <ref>: news. "
            "NEW <text>: a separate report. STOP: no more SMS. FR / SW: French / Kiswahili."
        ),
        "stop": "You will get no more SMS from us. Send START to receive them again.",
        "start": "SMS from us are on again. Send HELP to see how this number works.",
        "language": "We will reply in English. Send your report, or HELP.",
        "new_without_text": "Send NEW followed by your new report, in one message.",
    },
    "fr": {
        "new_case": (
            "Signalement enregistré. Réf {ref}. Gardez cette réf secrète: ne montrez ce SMS "
            "à personne. Pour ajouter des détails, répondez à ce SMS. Pour le suivi, envoyez "
            "STATUT {ref}"
        ),
        "follow_up": (
            "Ajouté à votre signalement {ref}. Merci. Pour un autre signalement, envoyez "
            "NOUVEAU suivi du texte."
        ),
        "status": "Signalement {ref}: {status}. Merci de votre signalement.",
        "not_found": (
            "Aucun signalement avec cette référence depuis votre numéro. Vérifiez-la et "
            "envoyez STATUT suivi de la référence."
        ),
        "help": (
            "Écrivez ce qui s'est passé, où et quand; vous recevrez une référence. STATUT "
            "<réf>: suivi. NOUVEAU <texte>: autre signalement. STOP: plus de SMS. "
            "EN / SW: anglais / kiswahili."
        ),
        "stop": (
            "Vous ne recevrez plus de SMS de notre part. Envoyez START pour les recevoir à nouveau."
        ),
        "start": "Les SMS sont réactivés. Envoyez AIDE pour savoir comment utiliser ce numéro.",
        "language": "D'accord, nous vous répondrons en FR. Envoyez votre signalement, ou AIDE.",
        "new_without_text": (
            "Envoyez NOUVEAU suivi de votre nouveau signalement, en un seul message."
        ),
    },
    "sw": {
        "new_case": (
            "Ripoti imepokelewa. Namba {ref}. Weka namba hii siri: usimwonyeshe mtu ujumbe "
            "huu. Kuongeza maelezo, jibu ujumbe huu. Kujua hali, tuma HALI {ref}"
        ),
        "follow_up": (
            "Imeongezwa kwenye ripoti yako {ref}. Asante. Kwa ripoti nyingine, tuma MPYA "
            "ikifuatiwa na maelezo."
        ),
        "status": "Ripoti {ref}: {status}. Asante kwa kuripoti.",
        "not_found": (
            "Hakuna ripoti yenye namba hii kutoka kwa simu yako. Hakikisha namba na utume "
            "HALI ikifuatiwa na namba."
        ),
        "help": (
            "Tuma kilichotokea, wapi na lini; utapata namba ya ripoti. HALI <namba>: habari. "
            "MPYA <maelezo>: ripoti nyingine. STOP: hakuna SMS tena. "
            "EN / FR: Kiingereza / Kifaransa."
        ),
        "stop": "Hutapokea SMS tena kutoka kwetu. Tuma START kupokea tena.",
        "start": "SMS zimewashwa tena. Tuma MSAADA kujua jinsi ya kutumia namba hii.",
        "language": "Tutakujibu kwa Kiswahili. Tuma ripoti yako, au MSAADA.",
        "new_without_text": "Tuma MPYA ikifuatiwa na ripoti yako mpya, kwa ujumbe mmoja.",
    },
}
LANGUAGES = tuple(REPLIES)

# The public face of each lifecycle state: plain words, nothing internal (no level,
# category, committee or officer). Several states share a phrase on purpose.
STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "received": "received, being reviewed",
        "triaged": "received, being reviewed",
        "verifying": "being verified",
        "verified": "being verified",
        "escalated": "under review",
        "mitigation": "follow-up measures under way",
        "monitoring": "follow-up measures under way",
        "closed": "closed",
    },
    "fr": {
        "received": "enregistré, en cours d'examen",
        "triaged": "enregistré, en cours d'examen",
        "verifying": "en vérification",
        "verified": "en vérification",
        "escalated": "en examen",
        "mitigation": "mesures de suivi en cours",
        "monitoring": "mesures de suivi en cours",
        "closed": "clos",
    },
    "sw": {
        "received": "imepokelewa, inachunguzwa",
        "triaged": "imepokelewa, inachunguzwa",
        "verifying": "inathibitishwa",
        "verified": "inathibitishwa",
        "escalated": "inakaguliwa",
        "mitigation": "hatua za ufuatiliaji zinaendelea",
        "monitoring": "hatua za ufuatiliaji zinaendelea",
        "closed": "imefungwa",
    },
}


def render(key: str, language: str | None, **values: str) -> str:
    """The reply ``key`` in ``language`` (English when Casework has no such language)."""
    table = REPLIES.get(language or "") or REPLIES[DEFAULT_LANGUAGE]
    return table[key].format(**values)


def status_reply(reference: str, state: str, language: str | None) -> str:
    words = STATUS_WORDS.get(language or "") or STATUS_WORDS[DEFAULT_LANGUAGE]
    return render("status", language, ref=reference, status=words[state])


# ---------------------------------------------------------------- SMS segments

# GSM 03.38: the default alphabet, and the extension table whose characters cost two.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes (GSM-7 160/153, else UCS-2 70/67)."""
    if is_gsm7(text):
        length = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if length <= single:
        return 1
    return math.ceil(length / multi)
