"""How a committee decides: quorum, majority, written votes. A table of rules to review.

Pure Python, like the lifecycle: `casework.committees` counts who is present and how they
voted, and asks these functions whether the outcome stands. Each answer comes with the
reason in words, because a chair who is told "no" must know what is missing.

The defaults (DOMAIN.md, and the issue that asked for committees):
- quorum: more than half the members present, and at least one of each sector present;
- majority: more than half of the votes cast; abstentions are not votes cast;
- a member with a conflict of interest on an item is recused: they neither vote nor count
  toward that item's quorum (a room should not look quorate thanks to people who may not
  take part);
- a written vote (Level 1 cases, between meetings) stays open 72 hours; its quorum is
  counted on the members who took part (voted or abstained).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from workflows.i18n import N_

SECTORS = ("government", "industry", "civil_society")
SECTOR_LABELS = {
    "government": N_("Government"),
    "industry": N_("Industry"),
    "civil_society": N_("Civil society"),
}
CHOICES = ("for", "against", "abstain")
CHOICE_LABELS = {"for": N_("For"), "against": N_("Against"), "abstain": N_("Abstain")}

# What a committee may decide (OECD Annex II responses, and "no action").
OUTCOMES = ("continue_with_mitigation", "suspend", "disengage", "no_action")
OUTCOME_LABELS = {
    "continue_with_mitigation": N_("Continue trade while mitigating"),
    "suspend": N_("Temporarily suspend"),
    "disengage": N_("Disengage"),
    "no_action": N_("No action needed"),
}
# Outcomes a mitigation plan follows (start_mitigation); the others lead to closing the case.
MITIGATING_OUTCOMES = frozenset({"continue_with_mitigation", "suspend"})
# Outcomes flagged on the case and in the workspace: trade is stopped.
FLAGGED_OUTCOMES = frozenset({"suspend", "disengage"})

# What a case before the committee waits for, by state.
WAITS_FOR = {
    "escalated": N_("Decision"),
    "mitigation": N_("Progress review of the mitigation plan"),
    "monitoring": N_("Monitoring check"),
}
BEFORE_COMMITTEE = tuple(WAITS_FOR)

WRITTEN_VOTE_HOURS = 72
# Votes at a meeting open this long before it starts (members gather, clocks differ).
VOTING_OPENS_BEFORE = timedelta(minutes=30)
MEETING_REMINDER_BEFORE = timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """A committee's rules: shares are percentages that must be *exceeded*."""

    quorum_percent: int = 50
    quorum_each_sector: bool = True
    majority_percent: int = 50


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str  # translatable template; `params` fill it
    params: Mapping[str, object]


def _more_than(count: int, total: int, percent: int) -> bool:
    return count * 100 > total * percent


def needed(total: int, percent: int) -> int:
    """The smallest count that is more than ``percent`` % of ``total``."""
    return total * percent // 100 + 1


def quorum(members: Mapping[str, int], present: Mapping[str, int], rules: Rules) -> Verdict:
    """Whether the members ``present`` (by sector) make a quorum of ``members`` (by sector).

    Both count voting members only, recused members excluded from ``present``."""
    total, here = sum(members.values()), sum(present.values())
    if total == 0:
        return Verdict(False, N_("The committee has no members."), {})
    missing = []
    if rules.quorum_each_sector:
        missing = [s for s in SECTORS if members.get(s, 0) and not present.get(s, 0)]
    if not _more_than(here, total, rules.quorum_percent):
        count = {"present": here, "total": total, "needed": needed(total, rules.quorum_percent)}
        if missing:  # both at once: a chair told only one would come back for the other
            return Verdict(
                False,
                N_(
                    "No quorum: %(present)s of %(total)s members take part; %(needed)s are "
                    "needed, and every sector must take part (none for %(sectors)s)."
                ),
                {**count, "sectors": missing},
            )
        return Verdict(
            False,
            N_("No quorum: %(present)s of %(total)s members take part; %(needed)s are needed."),
            count,
        )
    if missing:
        return Verdict(
            False,
            N_("No quorum: no member for %(sectors)s takes part; every sector must."),
            {"sectors": missing},
        )
    return Verdict(
        True, N_("Quorum: %(present)s of %(total)s members."), {"present": here, "total": total}
    )


def majority(votes: Mapping[str, int], rules: Rules) -> Verdict:
    """Whether the proposal is adopted by ``votes`` (``for``, ``against``, ``abstain``)."""
    yes, no = votes.get("for", 0), votes.get("against", 0)
    cast = yes + no
    params = {"for": yes, "against": no, "abstain": votes.get("abstain", 0)}
    if cast and _more_than(yes, cast, rules.majority_percent):
        return Verdict(
            True, N_("Adopted: %(for)s for, %(against)s against, %(abstain)s abstained."), params
        )
    return Verdict(
        False, N_("Not adopted: %(for)s for, %(against)s against, %(abstain)s abstained."), params
    )
