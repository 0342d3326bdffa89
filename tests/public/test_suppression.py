"""Small counts on the public pages: 1 to 4 shown as "fewer than 5", every other count
(totals included) rounded up or down to a multiple of 5 by a keyed hash, so that no small
count can be worked out from a total and the cells shown."""

from __future__ import annotations

from collections import defaultdict
from itertools import product

import pytest

from casework.public.statistics import SMALL, Period, rounded, suppress

SECRET = b"test-secret"


def shown(counts: dict[str, int]) -> dict[str, int | str]:
    cells = suppress(counts, SECRET, "2026-H2|category")
    return {c.key: c.count if c.count is not None else c.suppressed for c in cells}


@pytest.mark.parametrize("count", range(40))
def test_a_count_is_hidden_below_5_else_a_neighbouring_multiple_of_5(count):
    published = rounded(count, SECRET, "x")
    if count < 5:
        assert published is None
    elif count % 5 == 0:
        assert published == count
    else:
        assert published in {5 * (count // 5), 5 * (count // 5) + 5}
    assert rounded(count, SECRET, "x") == published  # the same figure every time


def test_the_direction_depends_on_the_secret_and_the_cell():
    counts = range(6, 200)
    ups = [rounded(n, SECRET, "a") > n for n in counts if n % 5]
    assert 0.3 < sum(ups) / len(ups) < 0.7  # both ways, about as often
    assert [rounded(n, SECRET, "a") for n in counts] != [rounded(n, SECRET, "b") for n in counts]
    assert [rounded(n, SECRET, "a") for n in counts] != [rounded(n, b"other", "a") for n in counts]


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"SEC": 12, "CHL": 3, "ENV": 1}, {"CHL", "ENV"}),
        ({"SEC": 9, "CHL": 0}, set()),  # zeros are not listed
        ({"SEC": 5, "CHL": 4}, {"CHL"}),  # the boundary
        ({"SEC": 4, "CHL": 4}, {"SEC", "CHL"}),
    ],
)
def test_each_breakdown_hides_small_counts_and_rounds_the_rest(counts, hidden):
    published = shown(counts)
    assert {k for k, v in published.items() if v == SMALL} == hidden
    assert all(v % 5 == 0 for v in published.values() if v != SMALL)
    assert set(published) == {k for k, n in counts.items() if n}


def _options(count: int) -> set:
    """Everything a count may be published as, for a reader who does not know the secret."""
    if count == 0:
        return {"absent"}
    if count < 5:
        return {SMALL}
    below = 5 * (count // 5)
    return {below} if count == below else {below, below + 5}


def test_no_small_count_is_ever_pinned_down_by_the_total_and_the_other_cells():
    """Every breakdown of three groups of up to 15 cases, published as the app would: a
    reader who knows the rules (not the secret) finds, for each hidden 1 to 4, other
    breakdowns that publish the same figures and differ in that cell."""
    could_publish = defaultdict(list)  # publication -> the breakdowns it may come from
    breakdowns = list(product(range(16), repeat=3))
    for counts in breakdowns:
        for total in _options(sum(counts)):
            for cells in product(*(_options(c) for c in counts)):
                could_publish[(total, cells)].append(counts)
    checked = 0
    for counts in breakdowns:
        label = "|".join(map(str, counts))
        total = rounded(sum(counts), SECRET, f"{label}|total")
        cells = tuple(
            "absent" if c == 0 else (rounded(c, SECRET, f"{label}|{i}") or SMALL)
            for i, c in enumerate(counts)
        )
        same = could_publish[(total or SMALL, cells)]
        for i, count in enumerate(counts):
            if 0 < count < 5:
                checked += 1
                assert len({other[i] for other in same}) > 1, (counts, total, cells)
    assert checked > 1000


def test_the_review_case_is_safe_two_ones_and_a_ten():
    """Published before as SEC 10, total 12, two hidden: the two were 1 and 1."""
    published = shown({"SA-SGBV": 1, "ENV": 1, "SEC": 10})
    assert published == {"SEC": 10, "SA-SGBV": SMALL, "ENV": SMALL}
    assert rounded(12, SECRET, "2026-H2|total") in {10, 15}


def test_periods_are_half_years():
    assert Period.parse("2026-H2").start.isoformat() == "2026-07-01T00:00:00+00:00"
    assert Period.parse("2026-H2").end.isoformat() == "2027-01-01T00:00:00+00:00"
    assert Period.parse("2026-H1").previous().key == "2025-H2"
    for bad in ("2026-H3", "26-H1", "2026H1", "x", "2026-H1 "):
        assert Period.parse(bad) is None
