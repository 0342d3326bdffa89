"""Committees in the browser: the list, admin pages, the workspace (views.py); meetings,
agendas, votes and minutes (meeting_views.py); restricted cases' briefs (brief_views.py).

Thin, like every blueprint: load and check access, call an operation, commit once.
"""

from __future__ import annotations

from flask import Blueprint

from workflows.committees import CHOICE_LABELS, OUTCOME_LABELS, SECTOR_LABELS, WAITS_FOR

bp = Blueprint("committees", __name__, url_prefix="/committees")


@bp.app_context_processor
def _committee_labels():
    return {
        "committee_outcome_labels": OUTCOME_LABELS,
        "committee_sector_labels": SECTOR_LABELS,
        "vote_choice_labels": CHOICE_LABELS,
        "waits_for_labels": WAITS_FOR,
    }
