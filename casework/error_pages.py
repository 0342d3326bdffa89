"""Error pages: every HTTP error outside ``/api/`` is a page in the user's language, inside
the app's layout; under ``/api/`` it is problem+json. Neither ever shows Python's or a
library's own message (an exception's text can name tables, columns or values).

A description our own code gave (``abort(403, _("..."))``, a domain error's sentence) is a
sentence for the user and is shown; the generic English text Werkzeug attaches to each
status is replaced by our own, translated.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from casework.extensions import db

log = logging.getLogger(__name__)

# Title and a sentence saying what to do, per status; other 4xx fall back to 400's words.
PAGES = {
    400: (_l("Bad request"), _l("Casework could not understand that request. Go back, check what you entered and try again.")),  # noqa: E501
    401: (_l("Log in first"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your account may not open this page or do this. If you think it should, ask a supervisor or an administrator.")),  # noqa: E501
    404: (_l("Page not found"), _l("There is nothing at this address. The link may be mistyped, or what it pointed to is not there any more.")),  # noqa: E501
    405: (_l("Not allowed here"), _l("This address does not accept that kind of request. Use the buttons and links on the pages instead.")),  # noqa: E501
    409: (_l("Conflict"), _l("Someone else changed this at the same time. Reload the page to see their changes, then try again.")),  # noqa: E501
    413: (_l("Too large"), _l("What you sent is larger than Casework accepts. Nothing was saved.")),
    422: (_l("Could not be saved"), _l("Some of what you entered is not valid. Go back, correct it and try again.")),  # noqa: E501
    429: (_l("Too many attempts"), _l("There were too many attempts in a short time. Wait a few minutes, then try again.")),  # noqa: E501
    500: (_l("Something went wrong"), _l("Casework could not finish this request, and nothing was changed by it. Try again in a moment; if it keeps happening, tell your administrator the time it happened.")),  # noqa: E501
}  # fmt: skip

CSRF_SENTENCE = _l(
    "This form has expired or did not come from Casework. Reload the page, then send it again."
)


def _is_generic(exc: HTTPException) -> bool:
    """True when the description is Werkzeug's stock English text for the status."""
    description = exc.description
    if not description:
        return True
    return any(
        description == getattr(cls, "description", None)
        for cls in type(exc).__mro__
        if issubclass(cls, HTTPException)
    )


def user_sentence(exc: HTTPException) -> str | None:
    """What to tell the user beyond the page's own words: our code's sentence, or None."""
    if isinstance(exc, CSRFError):
        return str(CSRF_SENTENCE)
    if isinstance(exc, InternalServerError) or _is_generic(exc):
        return None
    return str(exc.description)


def _words(code: int) -> tuple[str, str]:
    title, sentence = PAGES.get(code) or PAGES[500 if code >= 500 else 400]
    return str(title), str(sentence)


def problem_for(exc: HTTPException):
    """The problem+json body of an error under ``/api/`` (its title stays English: a code
    for programs; the detail is our sentence, never an exception's text)."""
    from casework.api.errors import problem

    code = exc.code or 500
    stock = "" if code >= 500 or not _is_generic(exc) else (exc.description or "")
    return problem(code, exc.name, user_sentence(exc) or stock)


def render_error(exc: HTTPException):
    if exc.response is not None:  # abort(response): the view chose the whole answer
        return exc.response
    code = exc.code or 500
    if code >= 500:
        # What failed may have left the session unusable (a database error): start clean so
        # the page's header can still read the user and their notices.
        db.session.rollback()
    if request.path.startswith("/api/"):
        return problem_for(exc)
    title, sentence = _words(code)
    try:
        body = render_template(
            "errors/error.html", code=code, title=title, sentence=sentence,
            detail=user_sentence(exc),
        )  # fmt: skip
    except Exception:  # the layout itself failed (database down): a plain page still answers
        log.exception("The error page for %s could not be drawn", code)
        body = f"<!doctype html><title>{code}</title><h1>{code}</h1>"
    response = exc.get_response()
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def install_error_pages(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
