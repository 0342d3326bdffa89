"""Suggestions for triage: a category, a level and a site, guessed from the report's text.

Only suggestions: the officer confirms or corrects them at triage. Terms are English,
French and Swahili (the languages reports mix), compared without accents or case, as whole
words; a term ending in ``*`` also matches longer words. Each category scores the weights
of the distinct terms found; the highest score wins, ties go to the more serious category.
Children plus hazardous work (digging, pits, out of school...) suggest SA-WFCL; children
alone suggest CHL.

Site names are matched fuzzily (rapidfuzz) against runs of words of the same length in the
text, so "nyabibwe", "NYABIBWE" and "Nyabibué" all find Nyabibwe.
"""

from __future__ import annotations

import bisect
import math
import re
import time
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import event, select

from casework.cases.models import CATEGORIES
from casework.extensions import db
from casework.intake.keywords import fold
from casework.sites.models import Site

# category -> {term: weight}. Terms are folded (no accents, lower case); spaces match any
# run of non-letters, so "pot de vin" matches "pot-de-vin".
TERMS: dict[str, dict[str, int]] = {
    "SA-SGBV": {
        "viol": 5, "viols": 5, "viole": 5, "violee": 5, "violes": 5, "violees": 5,
        "violer": 5, "violence sexuelle": 5, "violences sexuelles": 5, "abus sexuel*": 5,
        "esclavage sexuel": 5, "rape*": 5, "raping": 5, "sexual violence": 5,
        "sexual abuse": 5, "sexual slavery": 5, "kubaka": 5, "kubakwa": 5, "wamebakwa": 5,
        "walibakwa": 5, "amebakwa": 5, "alibakwa": 5, "wanabaka": 5, "walibaka": 5,
        "ubakaji": 5, "unyanyasaji wa kingono": 5,
    },
    "SA-TOR": {
        "tortur*": 4, "mateso": 4, "kuteswa": 4, "wanatesa": 4, "waliteswa": 4,
        "fouet*": 3, "whip*": 3, "battu": 3, "battus": 3, "frappe": 2, "frappes": 2,
        "beaten": 3, "beating*": 3, "wanapigwa": 3, "walipigwa": 3, "kupigwa": 3,
        "passage a tabac": 4, "cachot*": 2,
    },
    "SA-FL": {
        "travail force": 4, "travaux forces": 4, "forced labour": 4, "forced labor": 4,
        "forced to work": 4, "kazi ya kulazimishwa": 4, "wanalazimishwa": 4,
        "walilazimishwa": 4, "kulazimishwa": 4, "esclavage": 3, "esclave*": 3, "slave*": 3,
        "utumwa": 4, "sans salaire": 2, "without pay": 2, "bila malipo": 2, "salongo": 2,
        "corvee*": 2,
    },
    "SA-WAR": {
        "massacre*": 4, "crime de guerre": 5, "crimes de guerre": 5, "war crime*": 5,
        "mauaji ya halaiki": 5, "village brule": 4, "villages brules": 4,
        "burned village*": 4, "burnt village*": 4, "civils tues": 4, "civilians killed": 4,
        "pillage*": 2, "looting": 2,
    },
    "NSAG": {
        "hommes armes": 3, "homme arme": 3, "armed men": 3, "armed man": 3, "gunmen": 3,
        "watu wenye silaha": 3, "mtu mwenye silaha": 3, "wenye silaha": 3,
        "groupe arme": 3, "groupes armes": 3, "armed group*": 3, "milice*": 3,
        "militia*": 3, "wanamgambo": 3, "mai mai": 3, "maimai": 3, "mayi mayi": 3,
        "m23": 4, "fdlr": 4, "adf": 4, "nyatura": 4, "raia mutomboki": 4, "codeco": 4,
        "twirwaneho": 4, "wazalendo": 3, "rebelle*": 3, "rebel*": 3, "waasi": 3,
        "kikundi cha silaha": 3, "vikundi vya silaha": 3,
    },
    "SEC": {
        "fardc": 3, "militaire*": 3, "soldat*": 3, "soldier*": 3, "army": 3, "military": 3,
        "jeshi": 3, "wanajeshi": 3, "askari": 3, "police des mines": 2, "police": 2,
        "polisi": 2, "pmh": 2, "anr": 2, "en tenue": 1, "in uniform": 1, "barriere*": 1,
        "barrier*": 1, "roadblock*": 1, "wanatoza": 1, "kutoza": 1, "taxe illegale": 2,
        "taxes illegales": 2, "illegal tax*": 2,
    },
    "BRB": {
        "pot de vin": 4, "pots de vin": 4, "bribe*": 4, "rushwa": 4, "hongo": 4,
        "kitu kidogo": 3, "corruption": 3, "corrompu*": 3, "sans document*": 3,
        "without document*": 3, "without papers": 3, "bila hati": 3, "bila karatasi": 3,
        "fraude": 3, "fraud*": 3, "faux tag*": 4, "fake tag*": 4, "contrebande": 4,
        "smuggl*": 4, "magendo": 4, "fausse origine": 4, "origine frauduleuse": 4,
        "exige*": 2, "pour passer": 1, "kupita": 1,
    },
    "AML": {
        "blanchiment": 4, "money laundering": 4, "launder*": 4, "utakatishaji": 4,
    },
    "TAX": {
        "impot*": 2, "redevance*": 2, "royalt*": 2, "non declare*": 2, "undeclared": 2,
        "kodi": 2, "ushuru": 2, "taxe*": 1, "tax": 1, "taxes": 1, "wanatoza": 1,
    },
    "OHS": {
        "eboulement*": 3, "effondre*": 3, "landslide*": 3, "collaps*": 3, "cave in": 3,
        "accident*": 3, "ajali": 3, "maporomoko": 3, "limeporomoka": 3, "imeporomoka": 3,
        "blesse": 2, "blesses": 2, "injur*": 2, "wounded": 2, "wamejeruhiwa": 2,
        "amejeruhiwa": 2, "majeruhi": 2, "mort": 2, "morts": 2, "dead": 2, "died": 2,
        "wamekufa": 2, "amekufa": 2, "walikufa": 2, "wamefariki": 2, "amefariki": 2,
        "noye*": 2, "drown*": 2, "asphyx*": 2, "sans protection": 2,
        "without protection": 2, "bila kinga": 2,
    },
    "ENV": {
        "pollu*": 3, "mercure": 3, "mercury": 3, "produits chimiques": 2, "chemical*": 2,
        "maji machafu": 3, "uchafuzi": 3, "deforest*": 3, "kukata miti": 3, "sumu": 2,
        "poison*": 2, "cyanure": 3, "cyanide": 3, "riviere": 1, "river": 1, "mto": 1,
    },
    "LAND": {
        "conflit foncier": 4, "litige foncier": 4, "land conflict": 4, "land dispute": 4,
        "mgogoro wa ardhi": 4, "ardhi": 2, "shamba": 2, "mashamba": 2, "champs": 2,
        "expropri*": 3, "expuls*": 3, "evict*": 3, "wamefukuzwa": 3, "kufukuzwa": 2,
        "concession*": 1,
    },
    "TRC": {
        "cahier*": 2, "registre*": 2, "register*": 2, "daftari": 2, "logbook*": 2,
        "poids": 2, "weight*": 2, "uzito": 2, "tag": 1, "tags": 1, "etiquette*": 1,
        "hailingani": 2, "ne correspond* pas": 2, "does not match": 2, "don t match": 2,
        "haijajazwa": 2, "pas rempli*": 2, "not filled": 2, "tracabilite": 1,
        "traceab*": 1, "fiche*": 1,
    },
}  # fmt: skip

CHILD: dict[str, int] = {
    "watoto": 1, "mtoto": 1, "enfant": 1, "enfants": 1, "child": 1, "children": 1,
    "kid": 1, "kids": 1, "mineur": 1, "mineurs": 1, "minor": 1, "minors": 1,
    r"/miaka \d{1,2}( \d{1,2})?/": 1, r"/\d{1,2}( \d{1,2})? (ans|years?|yrs)/": 1,
}  # fmt: skip
HAZARD: dict[str, int] = {
    "*chimba": 1, "shimo": 1, "mashimo": 1, "puits": 1, "galerie*": 1, "creus*": 1,
    "dig*": 1, "tunnel*": 1, "shaft*": 1, "underground": 1, "sous terre": 1,
    "hawaendi shule": 2, "hawasomi": 2, "pas a l ecole": 2, "not in school": 2,
    "don t go to school": 2, "kubeba": 1, "wanabeba": 1, "carry*": 1, "portent": 1,
    "usiku": 1, "la nuit": 1, "at night": 1, "forces": 1, "forced": 1,
}  # fmt: skip
INJURY: dict[str, int] = {
    term: 1 for term, w in TERMS["OHS"].items() if w == 2 and term not in {
        "sans protection", "without protection", "bila kinga"}
}  # fmt: skip

# Ties go to the more serious category: Level 1 first, then the order of CATEGORIES.
_SEVERITY = {code: (level, i) for i, (code, (_, level)) in enumerate(CATEGORIES.items())}
MIN_SCORE = 2


def _pattern(term: str) -> str:
    if term.startswith("/") and term.endswith("/"):
        return term[1:-1]
    head = r"\w*" if term.startswith("*") else ""
    tail = r"\w*" if term.endswith("*") else ""
    words = term.strip("*").split()
    return head + " ".join(re.escape(w) for w in words) + tail


def _compile(terms: dict[str, int]) -> tuple[re.Pattern[str], dict[str, int]]:
    # Longest first, so "police des mines" is found before "police" at the same place.
    ordered = sorted(terms, key=len, reverse=True)
    alternatives = "|".join(f"(?P<t{i}>{_pattern(t)})" for i, t in enumerate(ordered))
    regex = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return regex, {f"t{i}": terms[t] for i, t in enumerate(ordered)}


_COMPILED = {code: _compile(terms) for code, terms in TERMS.items()}
_CHILD = _compile(CHILD)
_HAZARD = _compile(HAZARD)
_INJURY = _compile(INJURY)


def normalise(text: str) -> str:
    """Folded text with every run of non-letters and non-digits made one space."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def _score(compiled: tuple[re.Pattern[str], dict[str, int]], text: str) -> int:
    regex, weights = compiled
    found = {m.lastgroup for m in regex.finditer(text)}
    return sum(weights[name] for name in found if name)


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    level: int | None
    scores: dict[str, int]


def suggest_category(text: str) -> Suggestion:
    norm = normalise(text)
    scores = {code: _score(compiled, norm) for code, compiled in _COMPILED.items()}
    children = _score(_CHILD, norm)
    if children:
        hazard = _score(_HAZARD, norm)
        if hazard:
            scores["SA-WFCL"] = scores.get("SA-WFCL", 0) + 3 + children + hazard
        else:
            scores["CHL"] = scores.get("CHL", 0) + 2 + children
    scores = {code: s for code, s in scores.items() if s}
    if not scores:
        return Suggestion(None, None, {})
    best = min(scores, key=lambda code: (-scores[code], _SEVERITY[code]))
    if scores[best] < MIN_SCORE:
        return Suggestion(None, None, scores)
    return Suggestion(best, suggest_level(best, norm), scores)


def suggest_level(category: str, normalised_text: str) -> int:
    """The category's default level; an accident with no injury or death is Level 3."""
    level = CATEGORIES[category][1]
    if category == "OHS" and not _score(_INJURY, normalised_text):
        return 3
    return level


# ---------------------------------------------------------------- sites

SITE_SCORE = 85  # one letter off in an eight-letter name; "Nyabibue" finds Nyabibwe
MIN_SITE_NAME = 4
# Words a site name may carry that people leave out: "Mont Kalimbi" is "Kalimbi".
GENERIC_SITE_WORDS = frozenset(
    {"mont", "mine", "mines", "site", "puits", "carriere", "colline", "mgodi", "kirombe"}
    | {"hill", "de", "du", "des", "la", "le", "les", "ya", "wa"}
)
_SITE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class _SiteIndex:
    """Normalised site names (with and without generic words), sorted by length."""

    key: int
    built: float
    names: list[str]
    lengths: list[int]  # len() of each name, ascending
    ids: list[int]
    countries: list[str]
    word_counts: set[int]
    # window length -> (offset, the names of a length it can match): built on first use
    slices: dict[int, tuple[int, list[str]]] = field(default_factory=dict)

    def candidates(self, length: int) -> tuple[int, list[str]]:
        """The names a window of ``length`` characters can match, and where they start."""
        found = self.slices.get(length)
        if found is None:
            lo = bisect.bisect_left(self.lengths, math.ceil(length * _LENGTH_RATIO))
            hi = bisect.bisect_right(self.lengths, math.floor(length / _LENGTH_RATIO))
            found = self.slices[length] = (lo, self.names[lo:hi])
        return found


_sites_changed = [0]  # bumped whenever this process writes a site


@event.listens_for(Site, "after_insert")
@event.listens_for(Site, "after_update")
@event.listens_for(Site, "after_delete")
def _site_written(mapper, connection, target) -> None:
    _sites_changed[0] += 1


def _site_index(app_extensions: dict) -> _SiteIndex:
    """The registry's names, cached per app: rebuilt after this process writes a site, and
    at least every minute (another process's imports and renames)."""
    cached: _SiteIndex | None = app_extensions.get("casework.intake.sites")
    now = time.monotonic()
    if cached and cached.key == _sites_changed[0] and now - cached.built < _SITE_CACHE_SECONDS:
        return cached
    key = _sites_changed[0]
    entries = []
    for site_id, name, country in db.session.execute(select(Site.id, Site.name, Site.country)):
        norm = normalise(name)
        short = " ".join(w for w in norm.split() if w not in GENERIC_SITE_WORDS)
        for variant in {norm, short}:
            if len(variant) >= MIN_SITE_NAME:
                entries.append((len(variant), variant, site_id, country))
    entries.sort()
    index = _SiteIndex(
        key=key,
        built=now,
        names=[e[1] for e in entries],
        lengths=[e[0] for e in entries],
        ids=[e[2] for e in entries],
        countries=[e[3] for e in entries],
        word_counts={len(e[1].split()) for e in entries},
    )
    app_extensions["casework.intake.sites"] = index
    return index


# fuzz.ratio >= SITE_SCORE is impossible when one string is much shorter than the other:
# only names within this length ratio of a window are compared.
_LENGTH_RATIO = SITE_SCORE / (200 - SITE_SCORE)


def suggest_site(text: str, *, country: str | None, app_extensions: dict) -> Site | None:
    """The registry site the text names, if any; a site in the reporter's country wins ties."""
    site_id = suggest_site_id(text, country=country, app_extensions=app_extensions)
    return None if site_id is None else db.session.get(Site, site_id)


def suggest_site_id(text: str, *, country: str | None, app_extensions: dict) -> int | None:
    """`suggest_site`'s answer as an id, without loading the row."""
    index = _site_index(app_extensions)
    if not index.names:
        return None
    words = normalise(text).split()
    windows = {
        " ".join(words[i : i + n]) for n in index.word_counts for i in range(len(words) - n + 1)
    }
    best: tuple[float, bool, int] | None = None  # (score, same country, -position)
    for window in windows:
        if len(window) < MIN_SITE_NAME:
            continue
        lo, names = index.candidates(len(window))
        if not names:
            continue
        for _name, score, i in process.extract(
            window, names, scorer=fuzz.ratio, score_cutoff=SITE_SCORE, limit=5
        ):
            candidate = (score, index.countries[lo + i] == country, -(lo + i))
            if best is None or candidate > best:
                best = candidate
    if best is None:
        return None
    return index.ids[-best[2]]
