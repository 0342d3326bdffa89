"""The mine site registry in the browser, for admins (/admin/sites): the list with a search
by name or code, the CSV import from an uploaded file (the same per-row errors as
`casework sites import`) and one site's edit. Thin: check the role, call an operation from
`casework.sites.operations`, commit once."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden

from casework.admin.site_forms import SiteForm, SiteImportForm
from casework.errors import PermissionDenied
from casework.extensions import db
from casework.sites.importer import COLUMNS, SiteFileError, read_bytes
from casework.sites.models import Site
from casework.sites.operations import (
    SiteInvalid,
    can_manage_sites,
    import_site_rows,
    site_values,
    update_site,
)

bp = Blueprint("admin_sites", __name__, url_prefix="/admin/sites")

PAGE_SIZE = 100
LIKE_ESCAPE = "\\"


@bp.before_request
def _only_admins():
    # Logged-in users only (casework.security); of those, admins.
    if not can_manage_sites(current_user):
        abort(403)


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(str(exc)))


def _contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%`` and ``_`` taken literally."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


@bp.get("")
def index():
    q = request.args.get("q", "").strip()[:200]
    after = request.args.get("after", "").strip().upper()[:40]
    query = select(Site)
    if q:
        pattern = _contains(q)
        query = query.where(
            or_(
                Site.name.ilike(pattern, escape=LIKE_ESCAPE),
                Site.code.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    if after:
        query = query.where(Site.code > after)
    sites = list(db.session.scalars(query.order_by(Site.code).limit(PAGE_SIZE + 1)))
    more = len(sites) > PAGE_SIZE
    sites = sites[:PAGE_SIZE]
    return render_template(
        "admin/sites.html",
        sites=sites,
        q=q,
        total=total,
        paged=bool(after),
        next_after=sites[-1].code if more else None,
        import_form=SiteImportForm(formdata=None),
    )


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    form = SiteImportForm()
    problems: list[str] = []
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        source = (upload.filename or "upload.csv")[:200]
        try:
            rows = read_bytes(upload.read())
            if not rows:
                raise SiteFileError(
                    _(
                        "The file has a header but no sites. Columns: %(columns)s",
                        columns=",".join(COLUMNS),
                    )
                )
        except SiteFileError as exc:
            problems.append(str(exc))
        else:
            result = import_site_rows(rows, actor=current_user, source=source)
            if result.accepted:
                db.session.commit()
            else:
                db.session.rollback()
                problems.append(_("No valid row in the file; nothing was imported."))
    status = 422 if form.is_submitted() and (problems or form.errors) else 200
    return render_template(
        "admin/sites_import.html",
        form=form,
        problems=problems,
        result=result,
        columns=COLUMNS,
    ), status


@bp.route("/<int:site_id>", methods=["GET", "POST"])
def edit(site_id: int):
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    if request.method == "GET":
        data = site_values(site) | {"minerals": site.mineral_list}
        data["latitude"] = "" if site.latitude is None else str(site.latitude)
        data["longitude"] = "" if site.longitude is None else str(site.longitude)
        data["version"] = str(site.version)
        form = SiteForm(formdata=None, data=data)
    else:
        form = SiteForm()
    problems: list[str] = []
    if form.validate_on_submit():
        if form.version.data != str(site.version):
            return _conflict(site, form)
        try:
            update_site(site, form.values(), actor=current_user)
            db.session.flush()
        except SiteInvalid as exc:
            db.session.rollback()
            problems = exc.problems
        except StaleDataError:  # changed between loading it above and saving
            db.session.rollback()
            return _conflict(site, form)
        else:
            db.session.commit()
            flash(_("The changes to %(site)s are saved.", site=site.name), "info")
            return redirect(url_for("admin_sites.index", q=site.code), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/site_edit.html", site=site, form=form, problems=problems), status


def _conflict(site: Site, form: SiteForm):
    """409: somebody changed the site since this form was loaded. What was typed is shown
    again, still based on the old version: saving needs a reload first."""
    problems = [
        _(
            "Someone else changed this site while you were editing it. Reload the page to "
            "see their changes, then make yours again."
        )
    ]
    page = render_template(
        "admin/site_edit.html", site=site, form=form, problems=problems, conflict=True
    )
    return page, 409
