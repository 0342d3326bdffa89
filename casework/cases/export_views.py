"""Downloading the filtered queue (routes on the cases blueprint): ``/cases/export.csv``
and ``/cases/export.jsonl`` take the queue's own filters."""

from __future__ import annotations

from flask import Response, abort, stream_with_context
from flask_login import current_user

from casework import clock
from casework.cases import exports
from casework.cases.queue_views import _filters_from_args
from casework.cases.views import bp
from casework.extensions import db


@bp.get("/export.<fmt>")
def export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    if not exports.may_export(current_user):
        abort(403)
    _form, filters, _active = _filters_from_args(view_by_default=False)
    exports.start_export(filters, fmt, actor=current_user)
    db.session.commit()  # on the record before the first byte leaves
    name = f"casework-cases-{clock.now():%Y%m%d-%H%M}.{fmt}"
    return Response(
        stream_with_context(exports.stream(filters, fmt, actor=current_user)),
        mimetype=exports.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
