"""Files on the case page: the list and the upload form (templates/evidence/_files.html),
the upload, the download and the image preview. Thin: load-and-check, operate, commit once.

Files are never on a static path: each download and each preview goes through
`read_file`, which checks the user may see the case, checks the bytes against their
SHA-256 and puts the reading on the case's record. Downloads are attachments with
``nosniff``, so a browser never renders a document from Casework's origin.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from casework.cases.models import Case
from casework.cases.views import get_case, render_case
from casework.errors import InvalidInput, PermissionDenied
from casework.evidence.forms import SOURCE_LABELS, UploadForm
from casework.evidence.models import EvidenceFile
from casework.evidence.operations import (
    FileUnavailable,
    attach_file,
    download_name,
    may_attach,
    may_read,
    read_file,
)
from casework.evidence.types import ALLOWED, ALLOWED_SUMMARY, human_size
from casework.extensions import db

bp = Blueprint("evidence", __name__)

# What a request may carry beyond the file itself (the form's other fields, multipart).
_FORM_ALLOWANCE = 1024 * 1024


@bp.record_once
def _limit_request_size(state) -> None:
    """Werkzeug refuses bodies over MAX_CONTENT_LENGTH before anything reads them (413)."""
    config = state.app.config
    if not config.get("MAX_CONTENT_LENGTH"):
        config["MAX_CONTENT_LENGTH"] = config["CASEWORK_FILE_MAX_BYTES"] + _FORM_ALLOWANCE


@bp.app_template_global()
def case_files(case: Case) -> list[EvidenceFile] | None:
    """For templates/evidence/_files.html: the case's files, or None when the current user
    may not open them."""
    if not may_read(current_user, case):
        return None
    return list(
        db.session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.case_id == case.id)
            .order_by(EvidenceFile.added_dt, EvidenceFile.id)
        )
    )


@bp.app_template_global()
def file_upload_form(case: Case) -> UploadForm | None:
    if not may_attach(current_user, case):
        return None
    posted = g.get("upload_form")
    return posted if posted is not None else UploadForm(formdata=None)


@bp.app_context_processor
def _labels() -> dict:
    return {
        "file_source_labels": SOURCE_LABELS,
        "file_types_allowed": ALLOWED_SUMMARY,
        "file_max_size": _max_size,
    }


def _max_size() -> str:
    return human_size(current_app.config["CASEWORK_FILE_MAX_BYTES"])


bp.add_app_template_filter(human_size, "filesize")


def _load(reference: str, file_id: int) -> EvidenceFile:
    case = get_case(reference)  # 404, then 403 for a case the user may not see
    file = db.session.get(EvidenceFile, file_id)
    if file is None or file.case_id != case.id:
        abort(404)
    if not may_read(current_user, case):
        abort(403)
    return file


@bp.post("/cases/<reference>/files")
def upload(reference: str):
    case = get_case(reference)
    if not may_attach(current_user, case):
        abort(403)
    form = UploadForm()
    if not form.validate():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _reshow(case, form, problems)
    sent = form.file.data
    try:
        file = attach_file(
            case,
            sent.read(),
            filename=sent.filename or "",
            caption=form.caption.data or "",
            source=form.source.data,
            actor=current_user,
        )
    except InvalidInput as exc:
        db.session.rollback()
        return _reshow(case, form, [str(exc)])
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    db.session.commit()
    flash(_("%(name)s is attached to the case.", name=file.filename), "info")
    return redirect(url_for("cases.detail", reference=case.reference) + "#files", 303)


def _reshow(case: Case, form: UploadForm, problems: list[str]):
    g.upload_form = form
    return render_case(case, status=422, problems=problems)


def _serve(reference: str, file_id: int, *, preview: bool) -> Response:
    file = _load(reference, file_id)
    try:
        data = read_file(file, actor=current_user, preview=preview)
    except FileUnavailable as exc:
        db.session.rollback()
        return Response(str(exc), status=409, mimetype="text/plain")
    db.session.commit()
    if preview:
        response = Response(data, mimetype="image/jpeg")
        response.headers["Content-Disposition"] = "inline"
    else:
        content_type = file.content_type if file.content_type in ALLOWED else None
        response = Response(data, mimetype=content_type or "application/octet-stream")
        response.headers.set("Content-Disposition", "attachment", **_filename(file))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _filename(file: EvidenceFile) -> dict[str, str]:
    """Content-Disposition's filename, as send_file writes it: an ASCII fallback and the
    UTF-8 name (a French or Swahili caption-like name stays readable)."""
    name = download_name(file)
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}
    return {"filename": name}


@bp.get("/cases/<reference>/files/<int:file_id>")
def download(reference: str, file_id: int):
    return _serve(reference, file_id, preview=False)


@bp.get("/cases/<reference>/files/<int:file_id>/preview")
def preview(reference: str, file_id: int):
    return _serve(reference, file_id, preview=True)


@bp.app_errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH: a page saying the limit, not a bare 413."""
    if request.path.startswith("/api/"):
        return exc
    reference = (request.view_args or {}).get("reference")
    back = url_for("cases.detail", reference=reference) if reference else url_for("core.index")
    return (
        render_template(
            "evidence/too_large.html", limit=_max_size(), allowed=ALLOWED_SUMMARY, back=back
        ),
        413,
    )
