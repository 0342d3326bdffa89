"""Locale selection for the web UI: the user's saved language; for visitors without a
login (the public pages), ``?lang=`` when given, else the browser's."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str | None:
    if not has_request_context():  # a CLI command or a job: the default language
        return None
    languages = current_app.config["CASEWORK_LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return request.accept_languages.best_match(languages)
