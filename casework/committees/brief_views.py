"""A restricted case as its committee reads it: the supervisor's brief, the decisions and
the mitigation actions. Never the report, the messages, the reporter or the site: the
brief says what the committee needs without pointing at the survivor. Each reading goes
on the case's record (`operations.read_brief`).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from casework import clock
from casework.cases.models import Case
from casework.cases.permissions import can_view
from casework.committees import operations
from casework.committees.views import bp, load_committee
from casework.extensions import db
from casework.timezones import local_when


@bp.get("/<int:committee_id>/cases/<reference>")
def case_brief(committee_id: int, reference: str):
    committee = load_committee(committee_id)
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or case.committee_id != committee.id:
        abort(404)
    if can_view(current_user, case):  # a supervisor, or a case that is not restricted
        return redirect(url_for("cases.detail", reference=case.reference))
    # read_brief refuses (403) whoever may not read it, and records the reading.
    operations.read_brief(case, actor=current_user)
    db.session.commit()
    return render_template(
        "committees/brief.html",
        committee=committee,
        case=case,
        decisions=list(reversed(case.decisions)),
        now=clock.now(),
        local_when=local_when,
    )
