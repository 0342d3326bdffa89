"""The shapes the API answers with, as pydantic models: they document the answers in the
OpenAPI document (casework/api/contract.py); the views build plain dicts of the same shape.
Fields a reader may not see are left out of the answer, so most are optional here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Suggestions(BaseModel):
    """What intake guessed from the report; an officer confirms or corrects it at triage."""

    category: str | None = Field(description="A risk category code, e.g. SEC.")
    level: int | None = Field(description="1, 2 or 3.")
    site: str | None = Field(description="A mine site code, e.g. CD-NK-RUB.")


class CaseEventOut(_Open):
    seq: int
    kind: str
    at: str | None
    actor: str | None
    data: dict[str, Any]


class CaseOut(_Open):
    """A case as the reader may see it: viewers get the published summary only."""

    reference: str
    status: str
    category: str | None
    level: int | None
    site: str | None
    reported_dt: str | None
    url: str
    summary: str | None = None
    title: str | None = None
    description: str | None = None
    language: str | None = None
    channel: str | None = None
    location: str | None = None
    assignee: str | None = None
    committee: str | None = None
    due_dt: str | None = None
    resolution: str | None = None
    is_published: bool | None = None
    reporter: str | None = None
    version: int | None = Field(None, description="Send it back with a write.")
    pending_level: int | None = Field(None, description="A Level 1 downgrade awaiting approval.")
    suggestions: Suggestions | None = None
    events: list[CaseEventOut] | None = None
    messages: list[dict[str, Any]] | None = None


class CaseList(BaseModel):
    items: list[CaseOut]
    next: str | None = Field(description="The cursor of the next page; null on the last.")


class Items(_Open):
    """A list of objects (committees, cases before a committee, meetings, decisions)."""

    items: list[dict[str, Any]]


class Thing(_Open):
    """A JSON object (a committee, a meeting, a case before a committee)."""


class VoteOut(_Open):
    agenda_item_id: int
    member: str
    choice: str
    reason: str | None
    cast_dt: str | None
    counts: dict[str, int]


class ActionOut(_Open):
    id: int
    description: str
    owner: str
    due_date: str | None
    is_done: bool


class WriteResult(BaseModel):
    """The case after the write, with its new version."""

    case: CaseOut
    action: ActionOut | None = Field(None, description="The mitigation action written.")
