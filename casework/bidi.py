"""Text written by reporters and users cannot reorder the page around it.

A report can carry Unicode's explicit direction controls (U+202E RIGHT-TO-LEFT OVERRIDE and
its kin): left alone, one in a case title reverses the rest of its line, so a queue row or a
timeline entry reads as something else ("approved" beside the wrong case). Every value a
template prints that holds such a control is wrapped in FIRST STRONG ISOLATE ... POP
DIRECTIONAL ISOLATE, the characters ``<bdi>`` stands for: whatever the text opens ends
with it, in HTML (text and attributes), email and SMS alike. Isolate controls inside the
text are dropped first, so it cannot close our isolate early.

Done in Jinja's ``finalize`` so that no template (nor a new one) can forget it; our own
markup (``Markup``) and text without controls are printed unchanged.
"""

from __future__ import annotations

import re

from flask import Flask
from jinja2 import pass_context
from markupsafe import Markup

FSI, PDI = "\u2068", "\u2069"
# ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, and the isolates LRI, RLI, FSI, PDI.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ISOLATES = re.compile("[\u2066-\u2069]")


def isolate(value):
    """``value`` wrapped in an isolate when it is text holding direction controls."""
    if isinstance(value, str) and not isinstance(value, Markup) and BIDI_CONTROLS.search(value):
        return FSI + _ISOLATES.sub("", value) + PDI
    return value


def _isolating(gettext):
    """A template's ``gettext`` whose ``%(name)s`` values are isolated: a translated sentence
    comes back as Markup with the values already inside, where ``finalize`` cannot see them."""

    @pass_context
    def call(context, *args, **variables):
        return gettext(context, *args, **{k: isolate(v) for k, v in variables.items()})

    return call


def install_bidi_isolation(app: Flask) -> None:
    """Before any template is compiled: ``finalize`` is read when a template compiles."""
    env = app.jinja_env
    env.finalize = isolate
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):  # `_` calls `gettext`
        if name in env.globals:
            env.globals[name] = _isolating(env.globals[name])
