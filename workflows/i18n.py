"""A marker for sentences that `pybabel extract` catalogues (the ``N_`` keyword).

`workflows` stays free of Flask and Babel: it hands back English sentences marked with
``N_``, and the web app translates each one when it shows it (``gettext(reason)``). A
sentence is a fixed msgid, or one with ``%(name)s`` placeholders filled by the caller:
never built with an f-string, which no catalogue could hold.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged (translation happens later)."""
    return message
