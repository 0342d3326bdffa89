"""Casework: incident and grievance case management for responsible mineral supply chains."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from casework.config import load_settings
from casework.extensions import babel, csrf, db, login_manager, mail, migrate

log = logging.getLogger(__name__)


def _template_folder() -> str:
    """Templates live in ``templates/`` at the project root; a wheel ships them inside the
    package as ``casework/templates`` (see pyproject.toml)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "base.html").exists():
            return str(candidate)
    raise RuntimeError("Casework's templates are missing; reinstall the package.")


class BoundedInt(IntegerConverter):
    """``<int:...>`` in every route: ids beyond the databases' integer columns are a 404,
    not a database error (PostgreSQL's integer ends at 2**31 - 1)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=_template_folder(), instance_relative_config=True)
    app.url_map.converters["int"] = BoundedInt  # before any route is added
    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    if "SQLALCHEMY_DATABASE_URI" in (config or {}):
        from casework.config import normalise_database_url

        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )
    from casework.sqlite import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)

    from casework.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from casework import models  # noqa: F401  (the whole schema, for Alembic and relationships)
    from casework.admin.views import bp as admin_bp
    from casework.api.docs import docs_bp as api_docs_bp
    from casework.api.views import bp as api_bp
    from casework.auth.twofactor_views import bp as twofactor_bp
    from casework.auth.views import bp as auth_bp
    from casework.cases.views import bp as cases_bp
    from casework.intake.views import bp as intake_bp
    from casework.messages.operations import init_app as init_messages
    from casework.messages.views import bp as messages_bp
    from casework.security import install_security
    from casework.views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(twofactor_bp)  # /login/code, /account/security
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)  # /api/docs: the API's document, readable
    app.register_blueprint(intake_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(admin_bp)
    from casework.admin.log_views import bp as admin_log_bp
    from casework.admin.site_views import bp as admin_sites_bp

    app.register_blueprint(admin_log_bp)  # /admin/log: the admin log, for admins
    app.register_blueprint(admin_sites_bp)  # /admin/sites: the site registry, for admins
    from casework.admin.user_views import bp as admin_users_bp
    from casework.auth.password_views import bp as passwords_bp

    app.register_blueprint(admin_users_bp)  # /admin/users: accounts, for admins
    app.register_blueprint(passwords_bp)  # /account/password, /password/reset/<token>
    from casework.committees.views import bp as committees_bp
    from casework.contacts.views import bp as contacts_bp
    from casework.notices.views import bp as notices_bp

    app.register_blueprint(notices_bp)  # /notifications: the user's list and settings
    app.register_blueprint(contacts_bp)  # /contacts: stakeholder contacts
    app.register_blueprint(committees_bp)  # /committees: workspaces, meetings, votes
    from casework.evidence.views import bp as evidence_bp

    app.register_blueprint(evidence_bp)  # /cases/<ref>/files: evidence files on a case
    from casework.public.views import bp as public_bp

    app.register_blueprint(public_bp)  # /public: published summaries and statistics
    from casework.dashboard.views import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)  # /dashboard: the programme's figures
    init_messages(app)  # the outbox's resolvers and hooks; never starts a scheduler
    from casework.jobs import init_app as init_jobs

    init_jobs(app)  # the scheduled reminders, registered (the scheduler is its own process)
    install_security(app)
    from casework.error_pages import install_error_pages

    install_error_pages(app)  # 4xx/5xx pages in the layout; problem+json under /api/
    from casework.bidi import install_bidi_isolation

    install_bidi_isolation(app)  # user text cannot reorder the page around it

    from casework.cli import register_commands

    register_commands(app)

    from casework.sqlite import enable_sqlite_pragmas

    with app.app_context():
        enable_sqlite_pragmas(db.engine)
    return app
