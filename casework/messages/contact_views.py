"""The "do not contact the reporter" switch on the case page. Thin: load-and-check,
operate, commit once; a stale form answers 409 and a missing reason 422, like the other
case forms, with the case page shown again and the user's reason kept."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from casework.cases.models import Case
from casework.cases.operations import DO_NOT_CONTACT_ROLES, set_do_not_contact
from casework.cases.permissions import can_work
from casework.cases.views import conflict_message, get_case, render_case
from casework.errors import InvalidInput, PermissionDenied, StaleCase
from casework.extensions import db
from casework.messages.forms import DoNotContactForm
from casework.messages.views import bp


def may_switch(user, case: Case) -> bool:
    return user.role in DO_NOT_CONTACT_ROLES and can_work(user, case)


@bp.app_template_global()
def do_not_contact_form(case: Case) -> DoNotContactForm | None:
    """For templates/messages/_do_not_contact.html: the switch's form for the current
    user, or None when they may not use it (or the case has no reporter to protect)."""
    if not may_switch(current_user, case):
        return None
    if case.reporter is None and not case.do_not_contact:
        return None
    posted = g.get("do_not_contact_form")
    if posted is not None:
        return posted
    return DoNotContactForm(formdata=None, data={"version": str(case.version)})


def _reshow(case: Case, form: DoNotContactForm, status: int, problems: list[str], **kw):
    g.do_not_contact_form = form
    return render_case(case, status=status, problems=problems, **kw)


@bp.post("/cases/<reference>/do-not-contact")
def do_not_contact(reference: str):
    case = get_case(reference)
    if not may_switch(current_user, case):
        abort(403)
    form = DoNotContactForm()
    if not form.validate():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _reshow(case, form, 422, problems)
    value = form.value.data == "on"
    try:
        set_do_not_contact(
            case,
            value,
            reason=form.reason.data,
            actor=current_user,
            expected_version=form.expected_version,
        )
        db.session.commit()
    except (StaleCase, StaleDataError):
        db.session.rollback()
        form.version.data = str(case.version)
        return _reshow(case, form, 409, [conflict_message()], conflict=True)
    except InvalidInput as exc:
        db.session.rollback()
        return _reshow(case, form, 422, [str(exc)])
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    if value:
        flash(_("Casework will send this case's reporter nothing until the switch is off."), "info")
    else:
        flash(_("The reporter of this case may be contacted again."), "info")
    return redirect(url_for("cases.detail", reference=case.reference) + "#do-not-contact", 303)
