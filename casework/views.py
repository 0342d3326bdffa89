"""Site-wide views: the home redirect and the health check."""

from flask import Blueprint, redirect, url_for
from sqlalchemy import text

from casework.extensions import db
from casework.security import public
from notifications import channels

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return redirect(url_for("cases.queue"))


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
