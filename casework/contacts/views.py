"""Stakeholder contacts: supervisors and administrators list, add, edit and deactivate them.
Thin: check the role, call an operation, commit once. Phone numbers are shown masked only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.contacts.forms import SECTOR_LABELS, ActiveForm, ContactForm
from casework.contacts.models import Contact
from casework.contacts.operations import (
    KEEP,
    ContactDetails,
    all_contacts,
    can_manage_contacts,
    create_contact,
    set_contact_active,
    update_contact,
)
from casework.errors import InvalidInput
from casework.extensions import db

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.before_request
def _managers_only():
    """Login is checked app-wide first; here, the role: others get 403."""
    if not can_manage_contacts(current_user):
        abort(403)


@bp.app_context_processor
def _contact_labels():
    return {"sector_labels": SECTOR_LABELS}


def _details(form: ContactForm) -> ContactDetails:
    return ContactDetails(
        name=form.name.data or "",
        organisation=form.organisation.data or "",
        sector=form.sector.data,
        email=form.email.data,
        language=form.language.data,
        timezone=form.timezone.data,
    )


def _get_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    return contact


@bp.get("")
def index():
    return render_template("contacts/list.html", contacts=all_contacts(), active_form=ActiveForm())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = ContactForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            contact = create_contact(_details(form), phone=form.phone.data, actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("%(name)s is added to the contacts.", name=contact.display_name), "info")
            return redirect(url_for("contacts.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("contacts/edit.html", form=form, contact=None, problems=problems), status


@bp.route("/<int:contact_id>", methods=["GET", "POST"])
def edit(contact_id: int):
    contact = _get_contact(contact_id)
    # Filled from the row field by field, never with ``obj=``: the phone stays empty.
    form = ContactForm(
        data={
            "name": contact.name,
            "organisation": contact.organisation,
            "sector": contact.sector,
            "email": contact.email or "",
            "language": contact.language,
            "timezone": contact.timezone,
        },
        current_zone=contact.timezone,
    )
    problems: list[str] = []
    if form.validate_on_submit():
        phone: object = KEEP
        if form.remove_phone.data:
            phone = None
        elif (form.phone.data or "").strip():
            phone = form.phone.data
        try:
            update_contact(contact, _details(form), phone=phone, actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("The changes to %(name)s are saved.", name=contact.display_name), "info")
            return redirect(url_for("contacts.index"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "contacts/edit.html", form=form, contact=contact, problems=problems
    ), status


@bp.post("/<int:contact_id>/active")
def set_active(contact_id: int):
    """Deactivate or reactivate (the button posts ``active=0`` or ``1``)."""
    contact = _get_contact(contact_id)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    active = form.active.data == "1"
    set_contact_active(contact, active, actor=current_user)
    db.session.commit()
    if active:
        flash(_("%(name)s is active again.", name=contact.display_name), "info")
    else:
        flash(
            _("%(name)s is deactivated: nothing more is sent to them.", name=contact.display_name),
            "info",
        )
    return redirect(url_for("contacts.index"))
