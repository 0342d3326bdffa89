"""Small counts on the public pages: 1 to 4 shown as "fewer than 5", and never a total that
gives one away (secondary suppression). A table of breakdowns and what must be shown."""

from __future__ import annotations

import pytest

from casework.public.statistics import SMALL, WITHHELD, Period, suppress


def shown(counts: dict[str, int]) -> dict[str, int | str]:
    return {c.key: c.count if c.count is not None else c.suppressed for c in suppress(counts)}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # nothing small: every count shown
        ({"SEC": 12, "CHL": 5}, {"SEC": 12, "CHL": 5}),
        # two small counts: each "fewer than 5"; the total only gives away their sum
        ({"SEC": 12, "CHL": 3, "ENV": 1}, {"SEC": 12, "CHL": SMALL, "ENV": SMALL}),
        # one small count: total minus the rest would reveal it, so the smallest other
        # count is withheld too
        ({"SEC": 12, "CHL": 6, "ENV": 2}, {"SEC": 12, "CHL": WITHHELD, "ENV": SMALL}),
        # ties are broken by key, so the same data always withholds the same cell
        ({"A": 7, "B": 7, "C": 4}, {"A": WITHHELD, "B": 7, "C": SMALL}),
        # zeros are not listed (they say nothing about anybody)
        ({"SEC": 9, "CHL": 0}, {"SEC": 9}),
        # the boundary: 5 is shown, 4 is not
        ({"SEC": 5, "CHL": 4, "ENV": 4}, {"SEC": 5, "CHL": SMALL, "ENV": SMALL}),
        # everything small
        ({"SEC": 4, "CHL": 4}, {"SEC": SMALL, "CHL": SMALL}),
    ],
)
def test_small_counts_are_suppressed_and_cannot_be_worked_out(counts, expected):
    assert shown(counts) == expected


@pytest.mark.parametrize(
    "counts",
    [
        {"a": 12, "b": 6, "c": 2},
        {"a": 30, "b": 1},
        {"a": 5, "b": 5, "c": 5, "d": 3},
        {"a": 8, "b": 2, "c": 2, "d": 9},
    ],
)
def test_no_suppressed_count_can_be_derived_from_the_total(counts):
    """Whatever is suppressed, the total minus the shown counts covers at least two cells."""
    cells = suppress(counts)
    hidden = [c for c in cells if c.count is None]
    assert len(hidden) != 1
    assert all(c.count is None for c in cells if 0 < counts[c.key] < 5)


def test_periods_are_half_years():
    assert Period.parse("2026-H2").start.isoformat() == "2026-07-01T00:00:00+00:00"
    assert Period.parse("2026-H2").end.isoformat() == "2027-01-01T00:00:00+00:00"
    assert Period.parse("2026-H1").previous().key == "2025-H2"
    for bad in ("2026-H3", "26-H1", "2026H1", "x", "2026-H1 "):
        assert Period.parse(bad) is None
