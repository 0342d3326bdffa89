"""What the demo database contains: people, committees and the reports that become cases.

Fictional people and reports at real places (see DOMAIN.md). Reports are written the way
they arrive: languages mixed, accents often missing, sometimes split or repeated.
`casework.demo.seed` walks each report through the case lifecycle to its ``plan``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every demo account signs in with DEMO_PASSWORD_PREFIX + its role, e.g. casework-demo-officer.
DEMO_PASSWORD_PREFIX = "casework-demo-"  # noqa: S105  # nosec B105  # published: demo only

# (email, name, role, language): one login per role, two where a second pair of eyes matters.
LOGINS = (
    ("admin@example.org", "Aline Mukamana", "admin", "fr"),
    ("supervisor@example.org", "Jean-Pierre Habimana", "supervisor", "fr"),
    ("supervisor2@example.org", "Esther Kavira", "supervisor", "en"),
    ("officer@example.org", "Patient Bahati", "officer", "fr"),
    ("officer2@example.org", "Grace Uwase", "officer", "en"),
    ("committee@example.org", "Dieudonné Mapendo", "committee", "fr"),
    ("committee2@example.org", "Chantal Furaha", "committee", "sw"),
    ("viewer@example.org", "Marta Lindqvist", "viewer", "en"),
)

# How each demo login is told (see workflows/notices.py): time zone, phone, SMS quiet hours
# (from, until) and digest hour. Phones are fictional numbers in valid DRC/Rwanda ranges.
NOTIFICATION_SETTINGS = {
    "supervisor@example.org": ("Africa/Lubumbashi", "+243990000301", (21, 6), 7),
    "supervisor2@example.org": ("Africa/Kigali", "+250780000302", None, 8),
    "officer@example.org": ("Africa/Lubumbashi", "+243990000303", (22, 6), 7),
    "officer2@example.org": ("Africa/Kigali", None, None, 17),
    "committee@example.org": ("Africa/Lubumbashi", "+243990000304", None, 7),
    "committee2@example.org": ("Africa/Lubumbashi", None, None, 7),
    "admin@example.org": ("Africa/Kigali", None, None, 7),
}

# Stakeholder contacts: people told about actions without a login. (name, organisation,
# sector, email, phone, language, time zone, active). The owners of the demo's mitigation
# actions that name one of these organisations become that contact (see ACTION_OWNERS).
CONTACTS = (
    (
        "Josué Mwamba",
        "Division provinciale des Mines du Nord-Kivu",
        "government",
        None,
        "+243990000311",
        "sw",
        "Africa/Lubumbashi",
        True,
    ),
    (
        "Béatrice Nsimire",
        "Coopérative minière COMIKA",
        "industry",
        "b.nsimire@comika.example.org",
        "+243990000312",
        "fr",
        "Africa/Lubumbashi",
        True,
    ),
    (
        "Innocent Mugisha",
        "Rwanda Mines, Petroleum and Gas Board",
        "government",
        "i.mugisha@rmb.example.org",
        None,
        "en",
        "Africa/Kigali",
        True,
    ),
    (
        "Sarah Okello",
        "Smelter due-diligence team (member company)",
        "industry",
        "dd-team@smelter.example.org",
        None,
        "en",
        "Africa/Kampala",
        True,
    ),
    (
        "Espérance Bahati",
        "Association des femmes de Masisi",
        "civil_society",
        None,
        "+243990000315",
        "sw",
        "Africa/Lubumbashi",
        True,
    ),
    (
        "Pascal Kambale",
        "Division provinciale des Mines du Nord-Kivu",
        "government",
        "p.kambale@mines-nk.example.org",
        None,
        "fr",
        "Africa/Lubumbashi",
        False,
    ),
)
# An action owner as the demo's data names it -> the contact (by name) or user (by email)
# that owns it; owners not listed stay free text, as actions recorded before owners were
# picked from a list (the case page offers to link them).
ACTION_OWNERS = {
    "Division provinciale des Mines": "Josué Mwamba",
    "Rwanda Mines, Petroleum and Gas Board": "Innocent Mugisha",
    "Cooperative": "Béatrice Nsimire",
    "Cooperative (site chief)": "Béatrice Nsimire",
    "Exporter compliance": "Sarah Okello",
    "Women's association": "Espérance Bahati",
    "Field team": "officer@example.org",
}

# name -> (scope, country, province, territories served, members as (email or name, sector)).
# A member given by name gets an account ``firstname.lastname@example.org``.
COMMITTEES = {
    "Comité local de suivi de Masisi (Rubaya)": (
        "local",
        "CD",
        "Nord-Kivu",
        ("Masisi",),
        (
            ("committee@example.org", "civil_society"),
            ("Jeanine Kahindo", "government"),
            ("Eric Ntawiha", "industry"),
        ),
    ),
    "Comité local de suivi de Kalehe (Nyabibwe)": (
        "local",
        "CD",
        "Sud-Kivu",
        ("Kalehe", "Uvira", "Kabare"),
        (
            ("committee2@example.org", "civil_society"),
            ("Bosco Mirindi", "government"),
            ("Faustin Bulonza", "industry"),
        ),
    ),
    "Rutsiro-Ngororero district steering committee": (
        "local",
        "RW",
        None,
        ("Ngororero", "Rutsiro", "Rulindo", "Rwamagana"),
        (
            ("committee2@example.org", "civil_society"),
            ("Claudine Mukeshimana", "government"),
            ("Olivier Niyonzima", "industry"),
        ),
    ),
    "Comité provincial de suivi du Nord-Kivu": (
        "provincial",
        "CD",
        "Nord-Kivu",
        (),
        (
            ("committee@example.org", "civil_society"),
            ("Justin Kasereka", "government"),
            ("Nadine Kahambu", "government"),
            ("Sylvie Kavugho", "industry"),
            ("Thierry Paluku", "industry"),
        ),
    ),
}
PROVINCIAL_COMMITTEE = "Comité provincial de suivi du Nord-Kivu"
LOCAL_COMMITTEE = "Comité local de suivi de Masisi (Rubaya)"

# The committees at work around the demo's "now" (casework.demo.committees).
# The provincial committee met three days ago: who was absent, its guest, its two votes.
HELD_MEETING_PLACE = "Gouvernorat du Nord-Kivu, salle de réunion, Goma"
HELD_MEETING_ABSENT = "Nadine Kahambu"
HELD_MEETING_GUEST = ("Espérance Bahati", "Association des femmes de Masisi", "civil_society")
# (case key, proposed outcome, rationale, discussion, votes by member, recusal or None);
# a member is named as in COMMITTEES, the recusal as (member, conflict of interest).
# fmt: off
HELD_MEETING_ITEMS = (
    (
        "ngungu-night", "suspend",
        "Soldiers take the diggers' minerals at night: purchases from the Ngungu pits are "
        "suspended until the sector command withdraws the unit and a visit confirms it.",
        "The industry members warned that a suspension hits the diggers first. The committee "
        "asks the cooperative to keep paying registered production through the exporter "
        "while the suspension lasts, and the mines division to write to the sector command "
        "this week.",
        {"committee@example.org": "for", "Justin Kasereka": "for", "Sylvie Kavugho": "against",
         "Thierry Paluku": "for"},
        None,
    ),
    (
        "mushaki-fardc", "continue_with_mitigation",
        "The levy at the Mushaki barrier fell from 2000 FC to 500 FC a bag after the meeting "
        "with the sector command: mitigation continues, reviewed again in 30 days.",
        "The field team saw the barrier twice this month. Members want the levy gone, not "
        "lowered: the next review decides on suspension if any payment is still asked.",
        {"committee@example.org": "for", "Justin Kasereka": "for", "Sylvie Kavugho": "abstain"},
        ("Thierry Paluku", "His trading house buys coltan that passes the Mushaki barrier."),
    ),
)
# fmt: on
# The day after, the chair opened an urgent written vote on the restricted case; one
# member has voted so far.
WRITTEN_VOTE = ("bisie-sgbv", "Justin Kasereka", "for")
# The Masisi local committee meets in five days; its agenda is proposed from what awaits it.
COMING_MEETING_PLACE = "Bureau de l'administrateur du territoire, Masisi"
COMING_MEETING_LINK = "https://meet.example.org/comite-masisi"

AUTHORITY = {
    "CD": "Division provinciale des Mines",
    "RW": "Rwanda Mines, Petroleum and Gas Board",
    "BI": "Ministère de l'Hydraulique, de l'Énergie et des Mines",
    "UG": "Directorate of Geological Survey and Mines",
}


@dataclass(frozen=True)
class Report:
    """A report and how far the demo takes it.

    ``plan`` names a path in `casework.demo.seed.PLANS`; ``parts`` splits an SMS into
    several messages; ``duplicate_of`` names the key of the report this one repeats.
    """

    key: str
    plan: str
    category: str | None
    level: int | None
    site: str | None
    language: str
    text: str
    title: str
    location: str = ""
    channel: str = "sms"
    parts: int = 1
    duplicate_of: str | None = None
    same_reporter_as: str | None = None
    published: bool = False
    anonymous: bool = False
    # Texted with ANON (ANONYME, BILA JINA): the case keeps no number and has no reporter.
    anon: bool = False
    reason: str = ""


def _r(key, plan, category, level, site, language, text, title, **kw) -> Report:
    return Report(key, plan, category, level, site, language, text, title, **kw)


# fmt: off
REPORTS: tuple[Report, ...] = (
    # ------------------------------------------------------------------ Nord-Kivu
    _r(
        "mushaki-fardc", "mitigation", "SEC", 1, "CD-NK-MSK", "sw",
        "Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac ya coltan "
        "inayotoka Rubaya.",
        "FARDC taxing coltan bags at the Mushaki barrier",
        location="Barrière de Mushaki, route Rubaya-Goma", published=True,
    ),
    _r(
        "mushaki-fardc-again", "duplicate", "SEC", 1, "CD-NK-MSK", "sw",
        "FARDC kwa barriere ya Mushaki bado wanatoza 2000fc kwa sac, leo pia",
        "FARDC taxing at Mushaki (repeat)",
        duplicate_of="mushaki-fardc", same_reporter_as="mushaki-fardc",
    ),
    _r(
        "ngungu-night", "escalated", "SEC", 1, "CD-NK-NGU", "sw",
        "Militaires FARDC wanaingia kwa puits ya Ngungu usiku na kuchukua minerais ya "
        "wachimbaji. Bado leo asubuhi.",
        "Soldiers taking diggers' minerals at night in Ngungu",
    ),
    _r(
        "rubaya-nyatura", "closed_resolved", "NSAG", 1, "CD-NK-RUB", "sw",
        "Hommes armés wa Nyatura wamechukua controle ya puits 3 pale Rubaya, "
        "wanatoza taxe ya 10% kwa kila kilo ya coltan.",
        "Armed group controlling three pits in Rubaya",
        parts=2, published=True,
    ),
    _r(
        "rubaya-m23-rumour", "closed_unsubstantiated_early", "NSAG", 1, "CD-NK-RUB", "sw",
        "Wakazi wanasema M23 wanadai 'effort de guerre' kwa wachimbaji wa Rubaya, sijui kama "
        "ni kweli.",
        "Rumour of an armed group 'war effort' levy in Rubaya",
        reason="Two visits and interviews with 11 diggers and the cooperative found no levy; "
        "the rumour could not be traced to a witness.",
    ),
    _r(
        "osso-maimai", "verifying", "NSAG", 1, "CD-NK-OSS", "sw",
        "Mai-Mai wameweka barrière kwenye njia ya Osso, wanadai pesa kwa kila mtu anayepita "
        "na mzigo wa cassiterite.",
        "Mai-Mai roadblock on the Osso path",
    ),
    _r(
        "bisie-sgbv", "escalated", "SA-SGBV", 1, "CD-NK-BIS", "sw",
        "Mama mmoja amebakwa na walinzi wa site ya Bisie alipokuwa anarudi nyumbani. "
        "Tunaogopa kusema.",
        "Sexual assault by guards near Bisie",
        anonymous=True,
    ),
    _r(
        "bisie-guards", "triaged", "SEC", 1, "CD-NK-BIS", "fr",
        "Les gardes de la societe privee frappent les creuseurs artisanaux qui s approchent "
        "du perimetre de Bisie",
        "Private guards beating artisanal diggers at Bisie",
    ),
    _r(
        "ngungu-torture", "monitoring", "SA-TOR", 1, "CD-NK-NGU", "sw",
        "Mchimbaji amepigwa sana na kufungwa kwa kamba siku mbili na askari kwa site ya "
        "Ngungu kwa kuiba mawe. Yuko hospitali sasa.",
        "Digger beaten and tied up for two days in Ngungu",
    ),
    _r(
        "ngungu-teenagers", "mitigation_local", "CHL", 2, "CD-NK-NGU", "sw",
        "Vijana wa miaka 16 wanaosha mawe kwa site ya Ngungu, wengine hawana kadi ya mchimbaji.",
        "Teenagers washing ore in Ngungu without digger cards",
    ),
    _r(
        "rubaya-tags", "escalated", "BRB", 2, "CD-NK-RUB", "sw",
        "Tags za Rubaya zinauzwa kwa 50$ na agents, minerais ya Walikale inaingia na tags hizo.",
        "Rubaya tags sold to launder Walikale minerals",
    ),
    _r(
        "goma-smuggling", "verified", "BRB", 2, "CD-NK-RUB", "en",
        "Smuggling: trucks cross to Gisenyi at night with coltan from Rubaya labelled as "
        "Rwandan production.",
        "Rubaya coltan smuggled across the Goma-Gisenyi border",
        location="Grande barrière Goma-Gisenyi", channel="phone",
    ),
    _r(
        "rubaya-timbering", "closed_resolved_local", "OHS", 3, "CD-NK-RUB", "sw",
        "Puits ya Rubaya D4 haina boisage, inaweza kuanguka wakati wowote. Watu 40 wanafanya "
        "kazi ndani.",
        "Shaft D4 in Rubaya without timbering",
    ),
    _r(
        "rubaya-injury", "received", "OHS", 2, "CD-NK-RUB", "sw",
        "Mchimbaji ameumia kwa jiwe kichwani Rubaya leo asubuhi, amepelekwa Goma.",
        "Digger hit on the head by a rock in Rubaya",
    ),
    _r(
        "rubaya-washwater", "triaged", "ENV", 3, "CD-NK-RUB", "fr",
        "Eaux de lavage de Rubaya coulent dans les champs, les cultures meurent",
        "Wash water from Rubaya flooding fields",
    ),
    # With the wash water, three Level 3 environment reports at Rubaya within six months:
    # the dashboard's recurrence rule suggests Level 2 (DOMAIN.md).
    _r(
        "rubaya-dust", "verifying", "ENV", 3, "CD-NK-RUB", "sw",
        "Vumbi jingi kutoka kwa mashine ya kusaga Rubaya, watoto wanakohoa kila siku.",
        "Dust from the crushing machine in Rubaya",
    ),
    _r(
        "rubaya-oil", "triaged", "ENV", 3, "CD-NK-RUB", "fr",
        "Huile de moteur versee dans la riviere pres du site de Rubaya, les poissons meurent.",
        "Engine oil poured into the river near Rubaya",
    ),
    _r(
        "ngungu-land", "closed_unresolved_local", "LAND", 3, "CD-NK-NGU", "sw",
        "Mgogoro wa shamba: concessionnaire amefukuza wakulima Ngungu bila malipo, wanataka "
        "kurudi kwa mashamba yao.",
        "Farmers evicted without compensation in Ngungu",
        reason="Mediation failed twice; the farmers took the dispute to the territorial "
        "court, outside what the programme can mitigate.",
    ),
    _r(
        "bisie-accident", "monitoring_local", "OHS", 2, "CD-NK-BIS", "fr",
        "Accident a Bisie: un creuseur est tombe dans un puits de 30 m, il a la jambe cassee. "
        "Pas de premiers secours sur le site.",
        "Digger fell into a 30 m shaft at Bisie",
        channel="whatsapp",
    ),
    _r(
        "osso-village", "received", "SA-WAR", 1, "CD-NK-OSS", "sw",
        "Kijiji karibu na Osso kimechomwa moto na wapiganaji, watu wengi wamekimbia",
        "Village near Osso reportedly burned by fighters",
    ),
    _r(
        "masisi-teachers", "rejected", None, None, None, "en",
        "Salary for teachers in Masisi is late 3 months, please help",
        "Teachers' salaries late in Masisi",
        location="Masisi centre",
        reason="Not a mineral supply chain matter; the reporter was told to contact the "
        "territorial education office.",
    ),
    _r(
        "rubaya-job", "rejected", None, None, "CD-NK-RUB", "fr",
        "Bonjour, je cherche du travail comme chauffeur a Rubaya, qui contacter?",
        "Job request (Rubaya)",
        reason="A job request, not a report.",
    ),
    # ------------------------------------------------------------------ Sud-Kivu
    _r(
        "nyabibwe-children", "closed_resolved", "SA-WFCL", 1, "CD-SK-NYA", "sw",
        "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule.",
        "Children aged 12-14 digging underground at Nyabibwe",
        published=True,
    ),
    _r(
        "nyabibwe-children-again", "duplicate_after_triage", "SA-WFCL", 1, "CD-SK-NYA", "sw",
        "Watoto wengi kwa mashimo ya Nyabibwe, hata leo wanashuka ndani",
        "Children in the pits at Nyabibwe (second report)",
        duplicate_of="nyabibwe-children",
    ),
    _r(
        "kalimbi-sgbv", "mitigation", "SA-SGBV", 1, "CD-SK-KAL", "fr",
        "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. "
        "Aidez-nous svp.",
        "Three women raped near the Kalimbi pit",
        anon=True,
    ),
    _r(
        "kalehe-bridge", "closed_resolved_local", "BRB", 2, None, "fr",
        "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans documents ya "
        "traçabilité.",
        "Mines police taking bribes at the Kalehe bridge",
        location="Pont de Kalehe",
    ),
    _r(
        "kalimbi-collapse", "monitoring_local", "OHS", 2, "CD-SK-KAL", "sw",
        "Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa.",
        "Pit collapse at Kalimbi: two dead, three injured",
    ),
    _r(
        "kalimbi-collapse-again", "duplicate", "OHS", 2, "CD-SK-KAL", "sw",
        "Eboulement Kalimbi watu 2 wamekufa",
        "Pit collapse at Kalimbi (second report)",
        duplicate_of="kalimbi-collapse",
    ),
    _r(
        "numbi-police", "verified", "SEC", 1, "CD-SK-NUM", "sw",
        "Police des mines inadai 5000 FC kwa kila mchimbaji kuingia site ya Numbi kila siku "
        "ya soko",
        "Mines police charging diggers to enter Numbi",
    ),
    _r(
        "numbi-forced", "reopened", "SA-FL", 1, "CD-SK-NUM", "fr",
        "Creuseurs obliges de travailler pour le commandant sans paie a Numbi, ceux qui "
        "refusent sont enfermes au cachot.",
        "Diggers forced to work unpaid for a commander at Numbi",
        reason="The first visit found no evidence; diggers would not talk in front of guards.",
    ),
    _r(
        "numbi-weights", "verifying", "BRB", 2, "CD-SK-NUM", "sw",
        "Agent wa SAEMAPE anaomba pesa ili kuandika poids mingi kwa cahier, sio kweli.",
        "Agent paid to record false weights at Numbi",
    ),
    _r(
        "numbi-logbook", "closed_resolved_quick", "TRC", 3, "CD-SK-NUM", "sw",
        "Cahier ya coopérative haijajazwa tangu wiki 2, poids hailingani na tags.",
        "Cooperative logbook not filled for two weeks at Numbi",
    ),
    _r(
        "numbi-pump", "mitigation_local", "OHS", 3, "CD-SK-NUM", "sw",
        "Pompe ya maji imeharibika puits ya Numbi, maji yanajaa, hakuna aliyeumia bado.",
        "Broken water pump flooding a Numbi shaft",
    ),
    _r(
        "numbi-fdlr", "escalated", "NSAG", 1, "CD-SK-NUM", "sw",
        "Wapiganaji wa FDLR wanaonekana karibu na site ya Numbi, wanauza chakula kwa bei "
        "kubwa na kudai pesa.",
        "FDLR fighters extorting near Numbi",
    ),
    _r(
        "numbi-register", "received", "TRC", 3, "CD-SK-NUM", "fr",
        "Le registre des creuseurs de Numbi n a pas ete mis a jour, beaucoup de nouveaux "
        "sans carte",
        "Digger register at Numbi out of date",
    ),
    _r(
        "nyabibwe-river", "monitoring_local", "ENV", 3, "CD-SK-NYA", "sw",
        "Maji ya kuosha cassiterite yanaingia mto wa Nyabibwe, samaki wanakufa na watu "
        "wanakunywa maji hayo.",
        "Cassiterite wash water polluting the Nyabibwe river",
    ),
    _r(
        "nyabibwe-doubletax", "triaged", "TAX", 2, "CD-SK-NYA", "sw",
        "Taxe ya chefferie inatozwa mara mbili kwa Nyabibwe, kwa barrière na kwa site.",
        "Chiefdom tax collected twice at Nyabibwe",
    ),
    _r(
        "nyabibwe-fardc-digging", "closed_unresolved", "SEC", 1, "CD-SK-NYA", "sw",
        "FARDC wanachimba wao wenyewe kwa puits ya Nyabibwe usiku, wachimbaji wanaogopa.",
        "Soldiers mining pits at Nyabibwe at night",
        published=True,
        reason="The soldiers still work the pits despite the actions agreed; purchases from "
        "the site stay suspended and buyers were informed.",
    ),
    _r(
        "nyabibwe-convoy", "verifying", "NSAG", 1, None, "sw",
        "Watu wenye silaha wamesimamisha gari la minerais kati ya Kalehe na Nyabibwe, "
        "wamechukua sacs 4.",
        "Armed men stopped a mineral truck between Kalehe and Nyabibwe",
        location="Route Kalehe-Nyabibwe, PK 12",
    ),
    _r(
        "kalimbi-children-night", "downgraded_local", "SA-WFCL", 1, "CD-SK-KAL", "fr",
        "Des enfants de moins de 15 ans travaillent dans les puits de Kalimbi pendant la "
        "nuit, ils transportent des sacs de 25 kg.",
        "Children under 15 carrying sacks at night in Kalimbi",
        reason="Verification found teenagers of 15-17 washing ore at the surface in the "
        "evening, not underground: children at the site, worst forms not confirmed.",
    ),
    _r(
        "kalimbi-cash", "verifying", "AML", 2, "CD-SK-KAL", "sw",
        "Comptoir moja Bukavu inanunua minerais ya Kalimbi kwa bei juu kuliko soko, na cash tu.",
        "Bukavu buyer paying above market, cash only, for Kalimbi ore",
    ),
    _r(
        "kalimbi-roadblock", "downgrade_pending", "SEC", 1, "CD-SK-KAL", "en",
        "Soldiers at the Kalimbi road block are charging 10$ per motorbike carrying "
        "cassiterite since Monday.",
        "Soldiers charging motorbikes at the Kalimbi roadblock",
        reason="The fee is collected by SAEMAPE agents with a receipt; soldiers stand nearby "
        "but take nothing. Possible overcharging, not security-force taxation.",
    ),
    _r(
        "lemera-raia", "triaged", "NSAG", 1, "CD-SK-LEM", "fr",
        "Groupe arme Raia Mutomboki a ete vu pres de Lemera hier soir, les creuseurs ont fui "
        "le site",
        "Raia Mutomboki seen near Lemera, diggers fled",
    ),
    _r(
        "lemera-fiche", "closed_unsubstantiated_early", "BRB", 2, "CD-SK-LEM", "fr",
        "Un agent demande 10 000 FC pour signer la fiche de tracabilite a Lemera, sinon il "
        "bloque les sacs",
        "Agent demanding money to sign traceability forms at Lemera",
        reason="Traders and the cooperative deny it; no receipts or witnesses found.",
    ),
    _r(
        "lemera-gas", "mitigation_local", "OHS", 2, "CD-SK-LEM", "sw",
        "Gaz kwa puits ya Lemera, mchimbaji mmoja amezimia jana, hakuna ventilation.",
        "Gas in a Lemera shaft, one digger fainted",
    ),
    _r(
        "lemera-mercury", "rejected", None, None, "CD-SK-LEM", "en",
        "People say traders bring mercury from Uvira for the gold panners above Lemera.",
        "Mercury for gold panning near Lemera",
        reason="Gold panning is outside the programme's 3T scope; referred to the provincial "
        "environment office.",
    ),
    _r(
        "luhihi-children", "verified", "CHL", 2, "CD-SK-LUH", "sw",
        "Watoto wadogo wanauza chakula na kuosha mawe kwa site ya Luhihi, hakuna mtu "
        "anawakataza.",
        "Young children selling food and washing ore at Luhihi",
    ),
    _r(
        "luhihi-land", "closed_resolved_local", "LAND", 3, "CD-SK-LUH", "fr",
        "Conflit foncier a Luhihi entre la cooperative et le chef coutumier, les creuseurs "
        "sont bloques depuis une semaine.",
        "Land dispute blocking work at Luhihi",
    ),
    _r(
        "luhihi-cards", "rejected_reopened", "BRB", 2, "CD-SK-LUH", "sw",
        "Coopérative ya Luhihi haitoi carte kwa wachimbaji wapya mpaka walipe 20$ kwa mtu",
        "Cooperative selling digger cards at Luhihi",
        reason="First read as a membership fee dispute; the card is free by law, so it is "
        "a bribery report after all.",
    ),
    # ------------------------------------------------------------------ Maniema, Tanganyika
    _r(
        "punia-forced", "verifying", "SA-FL", 1, "CD-MA-PUN", "sw",
        "Wachimbaji wa Punia wanalazimishwa kufanya kazi siku 2 kwa wiki bila malipo kwa chef "
        "wa site, wakikataa wanapigwa.",
        "Diggers forced to work two unpaid days a week at Punia",
        channel="phone",
    ),
    _r(
        "punia-tags", "triaged", "TRC", 3, "CD-MA-PUN", "sw",
        "Sacs za Punia zinafika depot bila tag ya mine, tags zinawekwa Kindu.",
        "Punia bags tagged at the Kindu depot, not at the mine",
    ),
    _r(
        "kalima-children", "closed_resolved_local", "CHL", 2, "CD-MA-KAL", "fr",
        "Enfants vus au lavage de la cassiterite a Kalima pendant les heures d ecole",
        "Children washing cassiterite during school hours at Kalima",
    ),
    _r(
        "kalima-tax", "verified", "TAX", 2, "CD-MA-KAL", "sw",
        "Comptoir ya Kalima haitoi taxe ya province tangu miezi 3, wanaandika bei ndogo kwa "
        "fiche.",
        "Kalima buyer under-declaring to avoid provincial tax",
    ),
    _r(
        "kalima-pregnant", "received", "OHS", 2, "CD-MA-KAL", "fr",
        "Femme enceinte transporte des sacs de 50 kg a Kalima, elle est tombee malade hier",
        "Pregnant woman carrying 50 kg sacks at Kalima",
    ),
    _r(
        "kisengo-royalties", "mitigation_local", "TAX", 2, "CD-TA-KIS", "en",
        "The cooperative at Kisengo does not pay the royalties, the manager keeps two books.",
        "Kisengo cooperative keeping two sets of books",
        channel="field",
    ),
    _r(
        "kisengo-children", "received", "SA-WFCL", 1, "CD-TA-KIS", "sw",
        "Watoto wanaingia kwa mashimo ya Kisengo kwa sababu ni wadogo, wanalipwa 1000 FC kwa "
        "siku.",
        "Small children sent down narrow shafts at Kisengo",
    ),
    _r(
        "manono-cash", "closed_unsubstantiated", "AML", 2, "CD-TA-MAN", "sw",
        "Acheteur wa Manono analipa na dollars nyingi sana cash bila documents, pesa inatoka "
        "wapi?",
        "Manono buyer paying large sums in cash",
    ),
    _r(
        "kabalo-fiche", "monitoring_local", "TRC", 3, "CD-TA-KBL", "sw",
        "Fiche de production ya Kabalo haina sahihi ya agent wa SAEMAPE tangu mwezi uliopita.",
        "Kabalo production forms unsigned for a month",
    ),
    _r(
        "goma-price", "rejected", None, None, None, "sw",
        "Nataka kujua bei ya coltan leo kwa kilo huko Goma",
        "Price question",
        location="Goma",
        reason="A price question, not a report; the reporter was pointed to the cooperative.",
    ),
    # ------------------------------------------------------------------ Rwanda
    _r(
        "gatumba-children", "mitigation", "SA-WFCL", 1, "RW-WE-GAT", "en",
        "Children about 13 years carrying ore bags down into the shaft at Gatumba, the "
        "supervisor says they are helping parents.",
        "Children carrying ore underground at Gatumba",
    ),
    _r(
        "gatumba-logbook", "closed_resolved_quick", "TRC", 3, "RW-WE-GAT", "en",
        "Log book at Gatumba shows 2 tonnes more than the tags issued this month.",
        "Gatumba logbook 2 t above tags issued",
        channel="field", published=True,
    ),
    _r(
        "gatumba-path", "received", "OHS", 3, "RW-WE-GAT", "en",
        "Rain washed away the path to Gatumba pit 7, workers still using it",
        "Washed-out path to Gatumba pit 7",
    ),
    _r(
        "rutongo-helmets", "closed_resolved", "OHS", 2, "RW-NO-RUT", "en",
        "No helmets or boots given to workers at Rutongo, two people hurt by falling rocks "
        "this week.",
        "No protective equipment at Rutongo, two injured",
        published=True,
    ),
    _r(
        "rutongo-tea", "triaged", "BRB", 2, "RW-NO-RUT", "en",
        "Mine police at Rutongo gate ask miners for 'tea money' before letting them in",
        "'Tea money' demanded at the Rutongo gate",
    ),
    _r(
        "rutongo-fence", "verifying", "LAND", 3, "RW-NO-RUT", "en",
        "The concession holder at Rutongo fenced the valley where families farmed, no "
        "compensation yet.",
        "Farmland fenced off at Rutongo without compensation",
    ),
    _r(
        "nyakabingo-forest", "verified", "ENV", 3, "RW-NO-NYK", "en",
        "Deforestation around Nyakabingo: new pits opened in the forest reserve without permit.",
        "New pits in the Nyakabingo forest reserve",
    ),
    _r(
        "nyakabingo-scale", "closed_resolved_quick", "TRC", 3, "RW-NO-NYK", "en",
        "The weighing scale at Nyakabingo is not calibrated, the tag weights are guesses.",
        "Uncalibrated scale at Nyakabingo",
    ),
    _r(
        "musha-children", "triaged", "CHL", 2, "RW-EA-MUS", "rw",
        "Abana bato bakora ku kirombe cya Musha mu biruhuko, bamwe ntibajya ku ishuri.",
        "Young children working at Musha during the holidays",
    ),
    _r(
        "musha-night", "escalated", "BRB", 2, "RW-EA-MUS", "en",
        "Traders at Musha buy cassiterite from unknown diggers at night and mix it with the "
        "site production.",
        "Night buying of unknown cassiterite mixed into Musha production",
    ),
    # ------------------------------------------------------------------ Burundi, Uganda
    _r(
        "kabarore-tags", "verifying", "TRC", 3, "BI-KY-KAB", "sw",
        "Tags zimekwisha kwa site ya Kabarore tangu wiki 3, minerais inauzwa bila tags.",
        "No tags at Kabarore for three weeks",
    ),
    _r(
        "kabarore-food", "received", "CHL", 2, "BI-KY-KAB", "en",
        "Children selling food in the pits at Kabarore during school days.",
        "Children in the pits at Kabarore on school days",
    ),
    # ------------------------------------------------------------------ old, still open
    _r(
        "rubaya-royalties", "verifying_long", "TAX", 2, "CD-NK-RUB", "fr",
        "Les redevances de la cooperative de Rubaya ne sont plus versees a la chefferie "
        "depuis janvier, personne ne sait ou va l'argent.",
        "Rubaya cooperative royalties not paid since January",
    ),
    _r(
        "kalehe-land", "verifying_over_limit", "LAND", 3, "CD-SK-NYA", "sw",
        "Wakulima wa Nyabibwe wanasema cooperative imechukua mashamba yao bila malipo.",
        "Farmers say the Nyabibwe cooperative took their fields",
    ),
    _r(
        "nyamuliro-weighing", "mitigation_local", "TRC", 3, "UG-WE-NYM", "en",
        "Wolframite from Nyamuliro is bagged without weighing; tags are filled in later at "
        "the depot.",
        "Nyamuliro wolframite tagged without weighing",
    ),
)

# fmt: on

# ------------------------------------------------------------------ what verification finds
# (source, summary); {site} and {n} are filled in.
# fmt: off
CORROBORATIONS = {
    "SEC": [
        ("Site visit and interviews with 6 transporters",
         "Transporters at {site} confirm payments to men in uniform; two showed receipts."),
        ("Photo of a payment receipt", "Handwritten receipt, amount matches the report."),
    ],
    "NSAG": [
        ("Interviews with diggers and the site chief",
         "{n} diggers confirm armed men take a share of production at {site}."),
        ("Civil society security bulletin",
         "The territorial bulletin reports armed men near {site} the same week."),
    ],
    "SA-WFCL": [
        ("Unannounced site visit", "The officer counted {n} children under 15 at {site}."),
        ("School attendance register", "The primary school confirms pupils absent for weeks."),
    ],
    "CHL": [
        ("Site visit", "{n} children seen at the washing area of {site}."),
    ],
    "SA-SGBV": [
        ("Health centre (referral made with consent)",
         "Survivors received care; the medical report is kept under restricted access."),
        ("Women's association", "A local women's association is accompanying the survivors."),
    ],
    "SA-FL": [
        ("Separate interviews with 5 diggers",
         "Diggers describe unpaid workdays imposed at {site}; refusals were punished."),
    ],
    "SA-TOR": [
        ("Hospital record", "Admission with injuries consistent with a beating."),
        ("Two witness statements", "Witnesses saw the digger tied up at the guard post."),
    ],
    "BRB": [
        ("Tag register against production log",
         "Tags issued at {site} exceed recorded production by {n}% this month."),
        ("Interviews with moto-taxi drivers", "Drivers confirm payments without receipt."),
    ],
    "AML": [
        ("Trader records", "Cash purchases far above the trader's declared capital."),
    ],
    "TAX": [
        ("Provincial tax office records", "No tax receipts for {site} in the last quarter."),
    ],
    "OHS": [
        ("Inspection with the mines division",
         "Shafts at {site} without timbering; no first-aid kit on site."),
        ("Health centre register", "The injured were registered on the day reported."),
    ],
    "ENV": [
        ("Site visit and photos", "Wash water from {site} runs straight into the river."),
    ],
    "LAND": [
        ("Meeting with the customary chief and the farmers",
         "Both sides confirm the dispute; no written agreement exists."),
    ],
    "TRC": [
        ("Logbook and tag register review",
         "Entries at {site} missing for {n} days; weights do not match the tags."),
    ],
}

# What a committee decides, by category: (outcome, summary).
DECISIONS = {
    "SEC": ("continue_with_mitigation",
            "Continue trade with measurable mitigation: the military command is asked to lift "
            "the illegal levy within 30 days; purchases are suspended if payments continue."),
    "NSAG": ("suspend",
             "Purchases from the affected pits are suspended until an independent visit "
             "confirms the armed group has left."),
    "SA-WFCL": ("continue_with_mitigation",
                "Children are to leave the pits at once; age checks at the entrance; a "
                "follow-up visit in 30 days, suspension if children are found again."),
    "SA-SGBV": ("suspend",
                "Purchases from the pit area are suspended until security is restored; "
                "survivors referred to care; the matter referred to the military prosecutor."),
    "SA-TOR": ("suspend",
               "The site chief is suspended pending investigation; the guards' commander is "
               "asked to discipline those involved."),
    "BRB": ("continue_with_mitigation",
            "Reconcile tags and production; replace the tag agent; monthly audit for six "
            "months."),
    "OHS": ("continue_with_mitigation",
            "Protective equipment for every underground worker and a safety induction within "
            "60 days."),
}
DEFAULT_DECISION = ("continue_with_mitigation", "Continue trade while the actions below are done.")

# Mitigation actions by category: (description, owner, days until due). {authority} is the
# country's mines authority.
ACTIONS = {
    "SEC": [("Meet the military sector command to demand an end to the levy", "{authority}", 14),
            ("Check the barrier every month", "Field team", 30)],
    "NSAG": [("Suspend purchases from the affected pits", "Cooperative (site chief)", 3),
             ("Independent visit to confirm the armed group has left", "Local civil society",
              45)],
    "SA-WFCL": [("Take the children out of the pits and inform the parents", "Site chief", 7),
                ("Check ages at the site entrance", "Cooperative", 14),
                ("Enrol the children identified in school", "Parents' committee", 60)],
    "CHL": [("Keep children away from the washing area", "Cooperative", 14),
            ("Awareness session with parents", "Local civil society", 30)],
    "SA-SGBV": [("Referral to medical and psychosocial care", "Women's association", 2),
                ("Report to the military prosecutor", "{authority}", 14)],
    "SA-TOR": [("Suspend the site chief and the guards involved", "Cooperative", 7),
               ("Follow up with the injured digger and his family", "Local civil society", 21)],
    "SA-FL": [("End unpaid workdays and pay back the diggers", "Cooperative", 30)],
    "BRB": [("Reconcile the tag register with production logs", "{authority}", 14),
            ("Replace the agent and audit monthly", "{authority}", 30)],
    "TAX": [("Pay the outstanding taxes", "Buyer / cooperative", 30)],
    "AML": [("Obtain source-of-funds documents from the buyer", "Exporter compliance", 21)],
    "OHS": [("Install timbering and ventilation in the shaft", "Site chief", 21),
            ("First-aid kit and a trained first-aider on site", "Cooperative", 30)],
    "ENV": [("Build settling ponds for wash water", "Cooperative", 60)],
    "LAND": [("Mediation meeting between the cooperative and the farmers",
              "Territorial administrator", 30)],
    "TRC": [("Bring the logbook up to date and retrain the site recorder", "Cooperative", 14)],
}

# fmt: on

# How a published summary names a risk: plainly, and without who or exactly where.
PUBLIC_TOPICS = {
    "SA-WFCL": "children working underground",
    "CHL": "children working at the site",
    "SA-SGBV": "sexual violence",
    "SA-FL": "forced labour",
    "SA-TOR": "ill-treatment of a digger",
    "NSAG": "armed group control of mine pits",
    "SEC": "illegal levies by security forces",
    "BRB": "bribery and tag fraud",
    "TAX": "undeclared taxes",
    "AML": "suspicious cash purchases",
    "OHS": "unsafe working conditions",
    "ENV": "pollution",
    "LAND": "a land dispute",
    "TRC": "record-keeping errors",
}

# Notes officers leave while verifying, in the language they write in.
NOTES = (
    "Visite prévue jeudi avec la police des mines.",
    "Reporter called back; he confirms and adds that it started last month.",
    "Nimeongea na chef de site, anasema atashirikiana.",
    "Route coupée par la pluie, visite reportée de deux jours.",
    "Second source contacted through the cooperative's women's group.",
    "Les creuseurs ont peur de parler devant les gardes; entretiens faits au village.",
    "Photos received on WhatsApp, stored in the case file.",
)

# The first reply to a reporter: the reference, a safety note, how to add details and ask.
ACKNOWLEDGEMENTS = {
    "fr": "Merci. Votre signalement est enregistré sous la référence {ref}. Ne partagez pas "
    "cette référence. Pour ajouter des détails, répondez à ce message; pour le suivi, envoyez "
    "STATUS {ref}.",
    "sw": "Asante. Ripoti yako imepokelewa, namba yake ni {ref}. Usimpe mtu mwingine namba "
    "hii. Kuongeza maelezo, jibu ujumbe huu; kujua hali yake, tuma STATUS {ref}.",
    "en": "Thank you. Your report is recorded as {ref}. Do not share this reference. To add "
    "details, reply to this message; to follow it, send STATUS {ref}.",
    "rw": "Murakoze. Ubutumwa bwanyu bwakiriwe ku nimero {ref}. Ntimuyisangize abandi. "
    "Kumenya aho bigeze, ohereza STATUS {ref}.",
}

# What a supervisor tells the committee of a restricted (SA-SGBV) case: no name, no village,
# no date that points at the survivor or the reporter.
COMMITTEE_BRIEF = (
    "Sexual violence against a woman working at a mine site in {territory} territory, "
    "attributed to armed men controlling access to the site; confirmed by two independent "
    "sources during the field visit. The survivor receives medical and psychosocial care "
    "through a partner organisation. The committee is asked to decide how buyers respond "
    "(suspension of purchases from the site while the armed presence continues) and which "
    "authorities to alert."
)
