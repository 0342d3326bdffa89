"""The public transparency pages (``/public``): no login, in English, French or Swahili
(``?lang=``). Only published summaries and suppressed statistics appear here; the same
data as CSV and JSON, and an Atom feed of new publications."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.cases.exports import spreadsheet_safe
from casework.cases.forms import CATEGORY_LABELS, RESOLUTION_LABELS
from casework.public.statistics import (
    DIMENSIONS,
    SMALL,
    Period,
    Publication,
    periods,
    publication_counts,
    publications,
    statistics,
)
from casework.security import public

bp = Blueprint("public", __name__, url_prefix="/public")

FEED_ENTRIES = 50
DIMENSION_LABELS = {
    "category": _l("By risk category"),
    "level": _l("By risk level"),
    "province": _l("By province"),
    "outcome": _l("By outcome"),
}


def label(dimension: str, key: str) -> str:
    """A breakdown key in words, in the reader's language."""
    if key == "unknown":
        return _("not recorded")
    if dimension == "category":
        return str(CATEGORY_LABELS.get(key, key))
    if dimension == "level":
        return _("Level %(level)s", level=key)
    if dimension == "outcome":
        return _("still open") if key == "open" else str(RESOLUTION_LABELS.get(key, key))
    return key


def _period_or_404(key: str) -> Period:
    period = Period.parse(key)
    if period is None or period not in periods():
        abort(404)
    return period


def _periods_from_args() -> list[Period]:
    key = request.args.get("period")
    return [_period_or_404(key)] if key else periods()


@bp.get("/")
@public
def index():
    all_periods = periods()
    return render_template(
        "public/index.html",
        periods=all_periods,
        counts=publication_counts(all_periods),
        latest=publications(newest_first_by_publication=True, limit=10),
        stats=statistics(all_periods[0]),
        label=label,
        dimension_labels=DIMENSION_LABELS,
    )


@bp.get("/<key>")
@public
def period_page(key: str):
    period = _period_or_404(key)
    return render_template(
        "public/period.html",
        period=period,
        items=publications(period),
        stats=statistics(period),
        label=label,
        dimension_labels=DIMENSION_LABELS,
    )


@bp.get("/statistics.json")
@public
def statistics_json():
    return {"periods": [statistics(p).as_json(label) for p in _periods_from_args()]}


@bp.get("/statistics.csv")
@public
def statistics_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "dimension", "key", "label", "count", "suppressed"])
    for period in _periods_from_args():
        stats = statistics(period)
        writer.writerow(
            [period.key, "total", "", "", stats.total or "", "" if stats.total else SMALL]
        )
        for dimension in DIMENSIONS:
            for cell in stats.breakdowns.get(dimension, []):
                writer.writerow(
                    [
                        period.key,
                        dimension,
                        cell.key,
                        label(dimension, cell.key),
                        "" if cell.count is None else cell.count,
                        cell.suppressed or "",
                    ]
                )
    return _download(out.getvalue(), "text/csv", "casework-statistics.csv")


def _publication_json(item: Publication) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "category": item.category,
        "category_label": label("category", item.category or "unknown"),
        "level": item.level,
        "province": item.province or None,
        "reported": item.reported_dt.date().isoformat(),
        "outcome": item.outcome,
        "summary": item.summary,
        "published": item.published_dt.isoformat(),
    }


@bp.get("/summaries.json")
@public
def summaries_json():
    return {
        "periods": [
            {"period": p.key, "summaries": [_publication_json(i) for i in publications(p)]}
            for p in _periods_from_args()
        ]
    }


@bp.get("/summaries.csv")
@public
def summaries_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    fields = ["period", "id", "category", "level", "province", "reported", "outcome"]
    writer.writerow([*fields, "summary", "published"])
    for period in _periods_from_args():
        for item in publications(period):
            row = _publication_json(item)
            writer.writerow(
                [
                    period.key,
                    *(spreadsheet_safe(row[f] or "") for f in fields[1:]),
                    spreadsheet_safe(item.summary),
                    row["published"],
                ]
            )
    return _download(out.getvalue(), "text/csv", "casework-summaries.csv")


@bp.get("/feed.atom")
@public
def feed():
    items = publications(newest_first_by_publication=True, limit=FEED_ENTRIES)
    body = render_template(
        "public/feed.xml",
        items=items,
        updated=items[0].published_dt if items else None,
        label=label,
        self_url=url_for(".feed", _external=True),
        home_url=url_for(".index", _external=True),
    )
    return Response(body, mimetype="application/atom+xml")


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def period_name(period: Period) -> str:
    if period.half == 1:
        return _("January to June %(year)s", year=period.year)
    return _("July to December %(year)s", year=period.year)


@bp.app_template_filter("public_date")
def _public_date(moment) -> str:
    return format_date(moment, "long")


@bp.context_processor
def _public_context():
    return {
        "period_name": period_name,
        "period_key": lambda item: Period.containing(item.reported_dt).key,
    }
