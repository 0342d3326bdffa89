"""The user's notifications list and notification settings. Thin: load-and-check (a user
reaches only their own notices: 404 for anybody else's), operate, commit once.

Opening a notice is a POST (a small form per notice) that marks it read and redirects to
its case, so that merely loading a page, or a browser prefetching a link, changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from casework.extensions import db
from casework.notices.forms import SettingsForm
from casework.notices.inbox import mark_all_read, mark_read, own_notice, page_of_notices
from casework.notices.operations import unread_count
from casework.security import safe_next
from workflows.notices import KINDS, NoticeKind, default_channels, kinds_for

bp = Blueprint("notices", __name__, url_prefix="/notifications")

PAGE_SIZE = 30


@bp.app_context_processor
def _unread_notices() -> dict[str, Any]:
    """``unread_notices`` for the header: counted once per request, for logged-in users."""

    def count() -> int:
        if "unread_notices" not in g:
            g.unread_notices = unread_count(current_user)
        return g.unread_notices

    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"unread_notices": count}


# ------------------------------------------------------------------ the list


@bp.get("")
def index():
    try:
        notices, next_cursor = page_of_notices(
            current_user, cursor=request.args.get("cursor"), limit=PAGE_SIZE
        )
    except ValueError:
        abort(
            400,
            _("That link to older notifications is not valid; start again from the first page."),
        )
    return render_template(
        "notices/list.html",
        notices=notices,
        next_cursor=next_cursor,
        is_paged=bool(request.args.get("cursor")),
        form=FlaskForm(),
    )


@bp.post("/<int:notice_id>/open")
def open_notice(notice_id: int):
    """Mark the notice read and go to its case (or back to the list if it has none)."""
    notice = own_notice(current_user, notice_id)
    if notice is None:
        abort(404)
    if not FlaskForm().validate():
        abort(400)
    mark_read(notice)
    db.session.commit()
    if notice.case is not None:
        return redirect(url_for("cases.detail", reference=notice.case.reference))
    return redirect(safe_next(notice.path, url_for("notices.index")))


@bp.post("/read")
def read_all():
    if not FlaskForm().validate():
        abort(400)
    marked = mark_all_read(current_user)
    db.session.commit()
    if marked:
        flash(
            ngettext(
                "%(num)s notification marked as read.",
                "%(num)s notifications marked as read.",
                marked,
            ),
            "info",
        )
    else:
        flash(_("There was nothing unread."), "info")
    return redirect(url_for("notices.index"))


# ------------------------------------------------------------------ settings


def _editable(kinds: list[NoticeKind]) -> list[NoticeKind]:
    return [k for k in kinds if not k.urgent]


def _chosen(channel: str, kinds: list[NoticeKind]) -> list[str]:
    """The kinds the user gets by ``channel``, as their settings say (or their role)."""
    stored = current_user.email_notices if channel == "email" else current_user.sms_notices
    if stored is None:
        return [k.name for k in kinds if channel in default_channels(k.name, current_user.role)]
    return [k.name for k in kinds if k.name in stored]


def _store(channel: str, chosen: list[str], kinds: list[NoticeKind]) -> list[str] | None:
    """What to store for ``channel``: None while the choice is the role's default (so the
    user keeps following the defaults, including for kinds added later), else the list."""
    defaults = {k.name for k in kinds if channel in default_channels(k.name, current_user.role)}
    picked = [k.name for k in kinds if k.name in chosen]
    return None if set(picked) == defaults else picked


def _settings_form(kinds: list[NoticeKind], *, formdata: Any = None) -> SettingsForm:
    user = current_user
    editable = _editable(kinds)
    data = {
        "timezone": user.timezone,
        "digest_hour": str(user.digest_hour),
        "quiet_from": "" if user.quiet_from is None else str(user.quiet_from),
        "quiet_until": "" if user.quiet_until is None else str(user.quiet_until),
        "phone": user.phone or "",
        "email_notices": _chosen("email", editable),
        "sms_notices": _chosen("sms", editable),
    }
    form = SettingsForm(formdata=formdata, data=data, editable=editable, current_zone=user.timezone)
    if "digest" not in {k.name for k in kinds}:
        del form.digest_hour
    if not any(user.role in k.sms for k in kinds):
        del form.quiet_from
        del form.quiet_until
    if not editable:
        del form.email_notices
        del form.sms_notices
    elif not user.phone:
        del form.sms_notices  # offered once there is a number to send to
    return form


def _render_settings(form: SettingsForm, kinds: list[NoticeKind], status: int = 200):
    return (
        render_template(
            "notices/settings.html",
            form=form,
            kinds=kinds,
            default_channels=default_channels,
        ),
        status,
    )


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    kinds = kinds_for(current_user.role)
    if request.method == "GET":
        return _render_settings(_settings_form(kinds), kinds)
    form = _settings_form(kinds, formdata=request.form)
    if not form.validate():
        return _render_settings(form, kinds, 422)
    user = current_user
    had_phone = bool(user.phone)
    user.timezone = form.timezone.data
    user.phone = form.phone.data or None
    if "digest_hour" in form:
        user.digest_hour = int(form.digest_hour.data)
    if "quiet_from" in form:
        user.quiet_from, user.quiet_until = form.hour("quiet_from"), form.hour("quiet_until")
    editable = _editable(kinds)
    if "email_notices" in form:
        user.email_notices = _store("email", form.email_notices.data or [], editable)
    if "sms_notices" in form:
        user.sms_notices = _store("sms", form.sms_notices.data or [], editable)
    db.session.commit()
    flash(_("Your notification settings are saved."), "info")
    if user.phone and not had_phone and editable:
        flash(_("You can now choose which notices also come by SMS."), "info")
    return redirect(url_for("notices.settings"))


@bp.app_template_global()
def notice_kind_label(kind: str) -> str:
    notice = KINDS.get(kind)
    return _(notice.label) if notice else kind
