"""Site-wide views: the home redirect (where each role lands) and the health check."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from casework.extensions import db
from casework.security import public
from notifications import channels

bp = Blueprint("core", __name__)


def home_url(user) -> str:
    """Where a user lands: a committee member in their committee's workspace (the list of
    their committees when they sit on several), everybody else in the case queue."""
    if user.role == "committee":
        ids = user.committee_ids
        if len(ids) == 1:
            return url_for("committees.workspace", committee_id=next(iter(ids)))
        return url_for("committees.index")
    return url_for("cases.queue")


@bp.get("/")
def index():
    return redirect(home_url(current_user))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", never a 500 page
        return {"status": "unavailable", "database": "unreachable"}, 503
    # Delivery: "ok", "captured" (development) or "not configured: set <SETTING>". A
    # misconfigured channel degrades the service but it still answers (200): the load
    # balancer keeps it, the monitoring shows what to fix.
    delivery = {service: channels.service_status(service) for service in channels.SERVICES}
    status = "degraded" if channels.problems() else "ok"
    return {"status": status, "database": "ok", **delivery}
