"""SMS intake (Twilio webhooks) and the SMS simulator. Filled in by the SMS intake issue."""

from flask import Blueprint, abort

bp = Blueprint("intake", __name__)


@bp.get("/simulator")
def simulator():
    abort(404)
