"""Helpers for the notifications tests: a resolver for ``test:<name>`` recipients, a hook
that records outcomes."""

from __future__ import annotations

import pytest

import notifications


@pytest.fixture
def phonebook(app):
    """``phonebook["amani"] = "+243..."``; the recipient ``test:amani`` resolves to it."""
    book: dict[str, str] = {"amani": "+243810000001", "neema": "+243810000002"}

    def resolve(name: str, channel: str) -> str:
        if name == "gone":
            raise notifications.Undeliverable("test recipient is gone", code="gone")
        return book[name]

    notifications.register_resolver("test", resolve)
    return book


@pytest.fixture
def outcomes(app):
    """Every (ref, outcome, status, attempts) the outbox reports for ``test:`` refs."""
    seen: list[tuple[str, str, str, int]] = []

    def hook(row, outcome):
        seen.append((row.ref, outcome, row.status, row.attempts))

    notifications.register_hook("test", hook)
    return seen
