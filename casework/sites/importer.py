"""Reading the mine site registry from CSV (``casework sites import``, the demo seed).

The format is ``code,name,country,province,territory,minerals,latitude,longitude``
(column order free, extra columns ignored, a UTF-8 byte order mark tolerated). Each row is
checked on its own: good rows are kept even when others are rejected, and every rejection
names its line in the file, in the reader's language (the command line's is English).
Rows upsert by site code. Like an operation, the import flushes and leaves the commit to
its caller; `casework.sites.operations` puts an import on the admin log.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from flask_babel import gettext as _
from sqlalchemy import select

from casework.extensions import db
from casework.sites.models import MINERALS, Site

COLUMNS = ("code", "name", "country", "province", "territory", "minerals", "latitude", "longitude")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
_FIELDS = ("name", "country", "province", "territory", "minerals", "latitude", "longitude")


class SiteFileError(Exception):
    """The file as a whole cannot be imported (unreadable, not CSV, wrong header)."""


@dataclass
class RowError:
    line: int
    problems: list[str]

    def __str__(self) -> str:
        return _("line %(line)s: %(problems)s", line=self.line, problems="; ".join(self.problems))


@dataclass
class SiteRow:
    line: int
    values: dict[str, Any]


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_updated: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.imported + self.updated + self.unchanged

    def summary(self) -> str:
        text = _(
            "%(imported)s imported, %(updated)s updated, %(rejected)s rejected",
            imported=self.imported,
            updated=self.updated,
            rejected=len(self.rejected),
        )
        if self.unchanged:
            text += _(", %(unchanged)s unchanged", unchanged=self.unchanged)
        return text


def read_rows(stream: TextIO) -> list[tuple[int, dict[str, str]]]:
    """Parse the CSV: ``(line number, row)`` pairs, the header checked. Raises SiteFileError."""
    text = stream.read()
    if text.startswith("\ufeff"):  # a BOM that survived decoding (opened without utf-8-sig)
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise SiteFileError(
                _(
                    "The file is empty; it needs a header line: %(columns)s",
                    columns=",".join(COLUMNS),
                )
            )
        names = [h.strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise SiteFileError(
                _(
                    "The header line lacks the column(s) %(missing)s. Expected: %(columns)s",
                    missing=", ".join(missing),
                    columns=",".join(COLUMNS),
                )
            )
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):  # blank lines are not rows
                row = {name: (record[i] if i < len(record) else "") for i, name in enumerate(names)}
                if len(record) > len(names):
                    row["__extra__"] = str(len(record) - len(names))
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error:
        # csv's own message (e.g. "field larger than field limit") is not shown to users.
        raise SiteFileError(
            _(
                "The file is not valid CSV (line %(line)s): check its quotes and separators.",
                line=reader.line_num,
            )
        ) from None
    return rows


def read_file(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """Open ``path`` as UTF-8 (BOM or not) and parse it. Raises SiteFileError."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            return read_rows(stream)
    except UnicodeDecodeError:
        raise SiteFileError(f"{path} is not UTF-8 text; save it as CSV UTF-8 and retry.") from None
    except OSError as exc:
        raise SiteFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _coordinate(raw: str, name: str, bound: float, problems: list[str]) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        problems.append(_("%(name)s %(value)s is not a number", name=name, value=repr(raw)))
        return None
    if not math.isfinite(value) or not -bound <= value <= bound:
        problems.append(
            _(
                "%(name)s %(value)s is outside %(range)s",
                name=name,
                value=raw,
                range=f"-{bound:g}..{bound:g}",
            )
        )
        return None
    return value


def validate_row(row: dict[str, str]) -> tuple[dict[str, Any] | None, list[str]]:
    """The row's site fields, or None and what is wrong with it."""
    problems: list[str] = []
    if "__extra__" in row:
        problems.append(
            _("%(count)s more value(s) than the header has columns", count=row["__extra__"])
        )
    code = row.get("code", "").strip().upper()
    name = row.get("name", "").strip()
    if not code:
        problems.append(_("code is missing"))
    elif len(code) > 40 or not _CODE.match(code):
        problems.append(
            _(
                "code %(code)s must be up to 40 letters, digits, '-', '_' or '.' (e.g. CD-NK-RUB)",
                code=repr(code),
            )
        )
    if not name:
        problems.append(_("name is missing"))
    elif len(name) > 200:
        problems.append(_("name is longer than 200 characters"))
    country = row.get("country", "").strip().upper()
    if not _COUNTRY.match(country):
        problems.append(
            _(
                "country %(country)s is not an ISO 3166 two-letter code (e.g. CD, RW, BI, UG)",
                country=repr(row.get("country", "").strip()),
            )
        )
    province = row.get("province", "").strip()
    territory = row.get("territory", "").strip()
    for label, value in (("province", province), ("territory", territory)):
        if len(value) > 100:
            problems.append(_("%(field)s is longer than 100 characters", field=label))
    minerals: list[str] = []
    for part in row.get("minerals", "").split(";"):
        mineral = part.strip().lower()
        if not mineral:
            continue
        if mineral not in MINERALS:
            problems.append(
                _(
                    "mineral %(mineral)s is not one of %(minerals)s",
                    mineral=repr(part.strip()),
                    minerals=", ".join(MINERALS),
                )
            )
        elif mineral not in minerals:
            minerals.append(mineral)
    latitude = _coordinate(row.get("latitude", ""), "latitude", 90, problems)
    longitude = _coordinate(row.get("longitude", ""), "longitude", 180, problems)
    lat_given, lon_given = (
        bool(row.get("latitude", "").strip()),
        bool(row.get("longitude", "").strip()),
    )
    if lat_given != lon_given:
        problems.append(_("give both latitude and longitude, or neither"))
    if problems:
        return None, problems
    return {
        "code": code,
        "name": name,
        "country": country,
        "province": province,
        "territory": territory,
        "minerals": ";".join(minerals),
        "latitude": latitude,
        "longitude": longitude,
    }, []


def import_sites(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    on_row: Callable[[], None] | None = None,
) -> ImportResult:
    """Validate and upsert ``rows`` (from `read_rows`); flush, never commit.

    A code that appears twice in one file keeps its first row; the later one is rejected,
    so a file never silently overwrites itself.
    """
    result = ImportResult()
    existing = {site.code: site for site in db.session.scalars(select(Site))}
    seen: dict[str, int] = {}
    for line, row in rows:
        values, problems = validate_row(row)
        if values is not None and values["code"] in seen:
            problems = [
                _(
                    "code %(code)s already appears on line %(line)s",
                    code=values["code"],
                    line=seen[values["code"]],
                )
            ]
            values = None
        if values is None:
            result.rejected.append(RowError(line, problems))
        else:
            seen[values["code"]] = line
            site = existing.get(values["code"])
            if site is None:
                db.session.add(Site(**values))
                result.imported += 1
                result.codes_added.append(values["code"])
            elif any(getattr(site, key) != values[key] for key in _FIELDS):
                for key in _FIELDS:
                    setattr(site, key, values[key])
                result.updated += 1
                result.codes_updated.append(values["code"])
            else:
                result.unchanged += 1
        if on_row is not None:
            on_row()
    db.session.flush()
    return result


def read_bytes(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Parse an uploaded file's bytes as UTF-8 (BOM or not). Raises SiteFileError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SiteFileError(
            _("The file is not UTF-8 text; save it as CSV UTF-8 and upload it again.")
        ) from None
    return read_rows(io.StringIO(text, newline=""))
