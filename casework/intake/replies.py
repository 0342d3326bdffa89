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
        # Anonymous reports (ANON): nothing can reach the reporter, the reference is all.
        "anon_case": (
            "Anonymous report received. Ref {ref}. We keep no number, so we cannot write to "
            "you: start any SMS about it with {ref}. For news, send STATUS {ref} from any "
            "phone. Keep this ref private."
        ),
        "anon_follow_up": (
            "Added to anonymous report {ref}. Your number is not kept. Start every SMS about "
            "it with {ref}."
        ),
        "anon_without_text": (
            "Send ANON followed by your report, in one message. We will not keep your number."
        ),
        "ref_not_found": (
            "No anonymous report found with this reference. Check it, then start your SMS with "
            "the reference, or send ANON followed by a new report."
        ),
        "status": "Report {ref}: {status}. Thank you for reporting.",
        "not_found": (
            "No report found for this reference from your number. Check it and send STATUS "
            "followed by the reference."
        ),
        "help": (
            "Text what happened, where and when; you get a reference. STATUS <ref>: news. "
            "NEW <text>: a separate report. ANON <text>: no number kept. STOP: no more SMS. "
            "FR / SW: French / Kiswahili."
        ),
        "stop": "You will get no more SMS from us. Send START to receive them again.",
        "start": "SMS from us are on again. Send HELP to see how this number works.",
        "language": "We will reply in English. Send your report, or HELP.",
        "new_without_text": "Send NEW followed by your new report, in one message.",
        "erase_ask": (
            "To erase your number from all your reports, reply ERASE YES within 24 hours. "
            "Your reports stay, but we can no longer write to you."
        ),
        "erase_done": (
            "Your number is erased from our records. Your reports stay, without it. This is "
            "our last SMS to this number."
        ),
        "erase_held": (
            "Your request to erase your number is noted. A legal hold keeps it for now; a "
            "member of our team will follow up."
        ),
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
        "anon_case": (
            "Signalement anonyme enregistré. Réf {ref}. Nous ne gardons pas votre numéro et ne "
            "pourrons pas vous écrire: commencez tout SMS à ce sujet par {ref}. Pour le suivi, "
            "envoyez STATUT {ref} depuis n'importe quel téléphone. Gardez cette réf secrète."
        ),
        "anon_follow_up": (
            "Ajouté au signalement anonyme {ref}. Votre numéro n'est pas gardé. Commencez "
            "chaque SMS à ce sujet par {ref}."
        ),
        "anon_without_text": (
            "Envoyez ANONYME suivi de votre signalement, en un seul message. Nous ne garderons "
            "pas votre numéro."
        ),
        "ref_not_found": (
            "Aucun signalement anonyme avec cette référence. Vérifiez-la et commencez votre SMS "
            "par la référence, ou envoyez ANONYME suivi d'un nouveau signalement."
        ),
        "status": "Signalement {ref}: {status}. Merci de votre signalement.",
        "not_found": (
            "Aucun signalement avec cette référence depuis votre numéro. Vérifiez-la et "
            "envoyez STATUT suivi de la référence."
        ),
        "help": (
            "Écrivez ce qui s'est passé, où et quand; vous recevrez une référence. STATUT "
            "<réf>: suivi. NOUVEAU <texte>: autre signalement. ANONYME <texte>: sans garder "
            "le numéro. STOP: plus de SMS. "
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
        "erase_ask": (
            "Pour effacer votre numéro de tous vos signalements, répondez EFFACER OUI dans "
            "les 24 heures. Vos signalements restent, mais nous ne pourrons plus vous écrire."
        ),
        "erase_done": (
            "Votre numéro est effacé de nos dossiers. Vos signalements restent, sans lui. "
            "Ceci est notre dernier SMS à ce numéro."
        ),
        "erase_held": (
            "Votre demande d'effacer votre numéro est notée. Une procédure judiciaire oblige "
            "à le garder pour le moment; notre équipe va y donner suite."
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
        "anon_case": (
            "Ripoti bila jina imepokelewa. Namba {ref}. Hatuhifadhi namba yako ya simu, "
            "hatutaweza kukuandikia: anza kila ujumbe kuhusu ripoti hii kwa {ref}. Kujua hali, "
            "tuma HALI {ref} kutoka simu yoyote. Weka namba hii siri."
        ),
        "anon_follow_up": (
            "Imeongezwa kwenye ripoti bila jina {ref}. Namba yako ya simu haihifadhiwi. Anza "
            "kila ujumbe kuhusu ripoti hii kwa {ref}."
        ),
        "anon_without_text": (
            "Tuma BILA JINA ikifuatiwa na ripoti yako, kwa ujumbe mmoja. Hatutahifadhi namba "
            "yako ya simu."
        ),
        "ref_not_found": (
            "Hakuna ripoti bila jina yenye namba hii. Hakikisha namba na uanze ujumbe wako kwa "
            "namba hiyo, au tuma BILA JINA ikifuatiwa na ripoti mpya."
        ),
        "status": "Ripoti {ref}: {status}. Asante kwa kuripoti.",
        "not_found": (
            "Hakuna ripoti yenye namba hii kutoka kwa simu yako. Hakikisha namba na utume "
            "HALI ikifuatiwa na namba."
        ),
        "help": (
            "Tuma kilichotokea, wapi na lini; utapata namba ya ripoti. HALI <namba>: habari. "
            "MPYA <maelezo>: ripoti nyingine. BILA JINA <maelezo>: bila namba yako. "
            "STOP: hakuna SMS tena. "
            "EN / FR: Kiingereza / Kifaransa."
        ),
        "stop": "Hutapokea SMS tena kutoka kwetu. Tuma START kupokea tena.",
        "start": "SMS zimewashwa tena. Tuma MSAADA kujua jinsi ya kutumia namba hii.",
        "language": "Tutakujibu kwa Kiswahili. Tuma ripoti yako, au MSAADA.",
        "new_without_text": "Tuma MPYA ikifuatiwa na ripoti yako mpya, kwa ujumbe mmoja.",
        "erase_ask": (
            "Kufuta namba yako kwenye ripoti zako zote, jibu FUTA NDIYO ndani ya saa 24. "
            "Ripoti zako zitabaki, lakini hatutaweza kukuandikia tena."
        ),
        "erase_done": (
            "Namba yako imefutwa kwenye kumbukumbu zetu. Ripoti zako zinabaki bila namba. "
            "Huu ni ujumbe wetu wa mwisho kwa namba hii."
        ),
        "erase_held": (
            "Ombi lako la kufuta namba yako limepokelewa. Kwa sasa inahifadhiwa kwa sababu "
            "za kisheria; timu yetu italifuatilia."
        ),
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


# What the reporter is told, unasked, at each public milestone of their case (see
# `casework.messages.milestones`), and at least every 30 days while it is open
# ("reminder", with ``{status}`` one of STATUS_WORDS). Plain words and the reference only:
# no site, no category, no names, so a phone read by someone else gives nothing away.
# Each fits in one SMS segment with the longest reference (tests/messages/test_milestones.py).
# "closed_rejected" says what "rejected" means to the programme: outside what it handles.
MILESTONES: dict[str, dict[str, str]] = {
    "en": {
        "verifying": (
            "Report {ref}: our team has started checking what you reported. We will write "
            "when there is news."
        ),
        "escalated": (
            "Report {ref}: it has been passed to a committee that can act on it. We will tell "
            "you what is decided."
        ),
        "mitigation": (
            "Report {ref}: steps to deal with the problem are now under way. We will write "
            "again when they are done."
        ),
        "closed_resolved": (
            "Report {ref} is closed: the problem has been dealt with. Thank you for "
            "reporting. If it happens again, send a new report."
        ),
        "closed_unresolved": (
            "Report {ref} is closed, but the problem could not be fully solved. Thank you. "
            "If it goes on, send a new report."
        ),
        "closed_unsubstantiated": (
            "Report {ref} is closed: our checks could not confirm what was reported. Thank "
            "you. If you learn more, send a new report."
        ),
        "closed_duplicate": (
            "Report {ref} is closed: the same problem was already reported and is followed "
            "up there. Thank you for reporting."
        ),
        "closed_rejected": (
            "Report {ref} is closed: it is outside what this programme handles. Thank you "
            "for reporting. You may send a new report at any time."
        ),
        "reopened": (
            "Report {ref} has been reopened: our team is looking at it again. We will write "
            "when there is news."
        ),
        "reminder": (
            "Report {ref}: {status}. We have not forgotten it and will write when there is "
            "news. To add details, reply to this SMS."
        ),
    },
    "fr": {
        "verifying": (
            "Signalement {ref}: notre équipe a commencé à vérifier les faits. Nous vous "
            "écrirons quand il y aura du nouveau."
        ),
        "escalated": (
            "Signalement {ref}: il a été transmis à un comité qui peut agir. Nous vous dirons "
            "ce qui sera décidé."
        ),
        "mitigation": (
            "Signalement {ref}: des mesures pour régler le problème sont en cours. Nous vous "
            "écrirons quand elles seront finies."
        ),
        "closed_resolved": (
            "Signalement {ref} clos: le problème a été réglé. Merci de votre signalement. Si "
            "cela recommence, envoyez un nouveau signalement."
        ),
        "closed_unresolved": (
            "Signalement {ref} clos, mais le problème n'a pas été entièrement réglé. Merci. "
            "S'il continue, envoyez un nouveau signalement."
        ),
        "closed_unsubstantiated": (
            "Signalement {ref} clos: nos vérifications n'ont pas pu confirmer les faits. "
            "Merci. Si vous en savez plus, envoyez un nouveau signalement."
        ),
        "closed_duplicate": (
            "Signalement {ref} clos: ce problème avait déjà été signalé et il est suivi. "
            "Merci de votre signalement."
        ),
        "closed_rejected": (
            "Signalement {ref} clos: il est en dehors de ce que ce programme traite. Merci. "
            "Vous pouvez envoyer un nouveau signalement à tout moment."
        ),
        "reopened": (
            "Signalement {ref} rouvert: notre équipe l'examine à nouveau. Nous vous écrirons "
            "quand il y aura du nouveau."
        ),
        "reminder": (
            "Signalement {ref}: {status}. Nous ne l'oublions pas et vous écrirons quand il y "
            "aura du nouveau. Pour ajouter des détails, répondez."
        ),
    },
    "sw": {
        "verifying": (
            "Ripoti {ref}: timu yetu imeanza kuthibitisha ulichoripoti. Tutakuandikia "
            "kukiwa na habari mpya."
        ),
        "escalated": (
            "Ripoti {ref}: imepelekwa kwa kamati inayoweza kuchukua hatua. Tutakujulisha "
            "uamuzi utakaofanywa."
        ),
        "mitigation": (
            "Ripoti {ref}: hatua za kutatua tatizo zimeanza. Tutakuandikia tena zitakapokamilika."
        ),
        "closed_resolved": (
            "Ripoti {ref} imefungwa: tatizo limeshughulikiwa. Asante kwa kuripoti. Likitokea "
            "tena, tuma ripoti mpya."
        ),
        "closed_unresolved": (
            "Ripoti {ref} imefungwa, lakini tatizo halikuweza kutatuliwa kikamilifu. Asante. "
            "Likiendelea, tuma ripoti mpya."
        ),
        "closed_unsubstantiated": (
            "Ripoti {ref} imefungwa: uchunguzi wetu haukuweza kuthibitisha yaliyoripotiwa. "
            "Asante. Ukipata habari zaidi, tuma ripoti mpya."
        ),
        "closed_duplicate": (
            "Ripoti {ref} imefungwa: tatizo hili liliripotiwa tayari na linafuatiliwa huko. "
            "Asante kwa kuripoti."
        ),
        "closed_rejected": (
            "Ripoti {ref} imefungwa: iko nje ya kazi za mpango huu. Asante kwa kuripoti. "
            "Unaweza kutuma ripoti mpya wakati wowote."
        ),
        "reopened": (
            "Ripoti {ref} imefunguliwa tena: timu yetu inaiangalia upya. Tutakuandikia "
            "kukiwa na habari mpya."
        ),
        "reminder": (
            "Ripoti {ref}: {status}. Hatujaisahau; tutakuandikia kukiwa na habari mpya. "
            "Kuongeza maelezo, jibu ujumbe huu."
        ),
    },
}


def render(key: str, language: str | None, **values: str) -> str:
    """The reply ``key`` in ``language`` (English when Casework has no such language)."""
    table = REPLIES.get(language or "") or REPLIES[DEFAULT_LANGUAGE]
    return table[key].format(**values)


def status_reply(reference: str, state: str, language: str | None) -> str:
    words = STATUS_WORDS.get(language or "") or STATUS_WORDS[DEFAULT_LANGUAGE]
    return render("status", language, ref=reference, status=words[state])


def milestone_text(milestone: str, reference: str, language: str | None, state: str = "") -> str:
    """The unasked update ``milestone`` (a key of MILESTONES) in the reporter's language;
    ``state`` is the case's status, for the "reminder" text."""
    table = MILESTONES.get(language or "") or MILESTONES[DEFAULT_LANGUAGE]
    words = STATUS_WORDS.get(language or "") or STATUS_WORDS[DEFAULT_LANGUAGE]
    return table[milestone].format(ref=reference, status=words.get(state, ""))


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
