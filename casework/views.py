"""Site-wide views: the home redirect and the health check."""

from flask import Blueprint, redirect, url_for
from sqlalchemy import text

from casework.extensions import db
from casework.security import public

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
    return {"status": "ok", "database": "ok"}
