"""The legal hold on the case page (supervisors). Thin: load-and-check, operate, commit
once; a stale form answers 409 and a missing reason 422, like the other case forms, with
the case page shown again and the supervisor's reason kept."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from casework.cases.models import Case
from casework.cases.views import bp, conflict_message, get_case, render_case
from casework.errors import InvalidInput, PermissionDenied, StaleCase
from casework.extensions import db
from casework.reporters.erasure import clear_legal_hold, may_hold, set_legal_hold
from casework.reporters.forms import LegalHoldForm


@bp.app_template_global()
def legal_hold_form(case: Case) -> LegalHoldForm | None:
    """For templates/reporters/_legal_hold.html: the hold's form for the current user, or
    None when they may not use it."""
    if not may_hold(current_user, case):
        return None
    posted = g.get("legal_hold_form")
    if posted is not None:
        return posted
    return LegalHoldForm(formdata=None, data={"version": str(case.version)})


def _reshow(case: Case, form: LegalHoldForm, status: int, problems: list[str], **kw):
    g.legal_hold_form = form
    return render_case(case, status=status, problems=problems, **kw)


@bp.post("/<reference>/legal-hold")
def legal_hold(reference: str):
    case = get_case(reference)
    if not may_hold(current_user, case):
        abort(403)
    form = LegalHoldForm()
    if not form.validate():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _reshow(case, form, 422, problems)
    value = form.value.data == "on"
    operation = set_legal_hold if value else clear_legal_hold
    try:
        operation(
            case,
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
        flash(_("The case is on legal hold: its reporter's contact details are kept."), "info")
    else:
        flash(_("The legal hold is lifted: the retention period applies again."), "info")
    return redirect(url_for("cases.detail", reference=case.reference) + "#legal-hold", 303)
