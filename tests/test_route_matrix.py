"""Every route x every role x the objects that matter, against a declared table.

Generated from ``app.url_map``: each route is requested by each role (anonymous, viewer,
officer, supervisor, admin, and a member of *another* committee) on each object the matrix
names (a restricted SA-SGBV case, committee A's escalated case, an unpublished case, a
closed and published case). What the table expects is what a reviewer reads: who may reach
each route. A new route without a permission check, or missing from the table, fails here.

Outcomes: ``ok`` (reached: done, or refused for its input after the permission check),
``deny`` (403, or a 404 hiding something that exists), ``login`` (sent to log in). POSTs
carry a valid CSRF token and no other field: enough to pass the permission check, never
enough to change anything that matters.

Set ``MATRIX_DUMP=/some/dir`` to write the observed table per role (to review a change).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from tests.conftest import csrf_token, login
from tests.route_matrix_world import OBJECTS, ROLES, World, build_world, marker, outcome

ALL = frozenset(OBJECTS)
NONE: frozenset[str] = frozenset()
LOGGED_IN = ("viewer", "officer", "supervisor", "admin", "committee", "member")
WORKERS = ("officer", "supervisor")
# What each role may *read* among the matrix's cases (casework/cases/permissions.py):
# supervisors all; officers and admins all but the restricted one (unassigned); viewers
# the published one; a member of another committee none of them; committee A's member
# its own committee's case.
READS = {
    "supervisor": ALL,
    "officer": ALL - {"restricted"},
    "admin": ALL - {"restricted"},
    "viewer": frozenset({"closed"}),
    "committee": NONE,
    "member": frozenset({"committee"}),
}
WRITES_OPEN = {"supervisor": ALL - {"closed"}, "officer": ALL - {"restricted", "closed"}}

PUBLIC = "public"  # anyone, logged in or not


def roles(*names: str, objects: frozenset[str] = ALL) -> dict[str, frozenset[str]]:
    return dict.fromkeys(names, objects)


def everyone_logged_in() -> dict[str, frozenset[str]]:
    return roles(*LOGGED_IN)


SIGNED = "signed"  # public, but only with Twilio's signature: the matrix's are refused
LOGOUT = "logout"  # ends the session: everyone is then sent to log in

# Who may reach what (roles left out: denied; anonymous: sent to log in, unless PUBLIC).
FULL_READS = {role: objs for role, objs in READS.items() if role != "viewer"}
OFFICE_WORK = {"supervisor": ALL, "officer": ALL - {"restricted"}}  # not admins, viewers
# can_work: committee A's members also work their committee's case (notes, actions, the
# "monitor" transition), never triage or verification's details.
WORK = {**OFFICE_WORK, "member": frozenset({"committee"})}
SUPERVISOR_CASE = {"supervisor": ALL}
COMMITTEE_CASE = roles("supervisor", "admin", "member", objects=frozenset({"committee"}))
A_READS = roles("supervisor", "admin", "member")  # committee A's pages: not B's members
A_MEMBERS = roles("member")
RUNS_MEETINGS = roles("supervisor")  # and the chair (committee A's, not in the matrix)
MANAGES = roles("admin")
SUPERVISORS_ADMINS = roles("supervisor", "admin")
WORKERS_ONLY = roles(*WORKERS)

# endpoint, method -> the rule above that says who may reach it.
EXPECT: dict[tuple[str, str], dict[str, frozenset[str]] | str] = {
    # sign-in, account, public pages
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): LOGOUT,
    ("auth.set_language", "POST"): everyone_logged_in(),
    ("passwords.change", "GET"): everyone_logged_in(),
    ("passwords.change", "POST"): everyone_logged_in(),
    ("passwords.reset", "GET"): PUBLIC,  # the signed link is the credential
    ("passwords.reset", "POST"): PUBLIC,
    ("twofactor.security", "GET"): everyone_logged_in(),
    ("twofactor.enrol", "POST"): everyone_logged_in(),
    ("twofactor.confirm", "POST"): everyone_logged_in(),
    ("twofactor.regenerate", "POST"): everyone_logged_in(),
    ("twofactor.turn_off", "POST"): everyone_logged_in(),
    ("twofactor.login_code", "GET"): everyone_logged_in(),  # anonymous: no pending login
    ("twofactor.login_code", "POST"): everyone_logged_in(),
    ("core.index", "GET"): everyone_logged_in(),
    ("core.healthz", "GET"): PUBLIC,
    ("static", "GET"): PUBLIC,
    ("wellknown.security_txt", "GET"): PUBLIC,
    ("public.index", "GET"): PUBLIC,
    ("public.period_page", "GET"): PUBLIC,
    ("public.feed", "GET"): PUBLIC,
    ("public.statistics_csv", "GET"): PUBLIC,
    ("public.statistics_json", "GET"): PUBLIC,
    ("public.summaries_csv", "GET"): PUBLIC,
    ("public.summaries_json", "GET"): PUBLIC,
    ("intake.sms_inbound", "POST"): SIGNED,
    ("intake.sms_status", "POST"): SIGNED,
    ("intake.simulator", "GET"): WORKERS_ONLY,  # admins are read-only on cases
    ("intake.simulator_send", "POST"): WORKERS_ONLY,
    ("dashboard.index", "GET"): roles("supervisor", "admin", "committee", "member"),
    # notifications: one's own
    ("notices.index", "GET"): everyone_logged_in(),
    ("notices.read_all", "POST"): everyone_logged_in(),
    ("notices.settings", "GET"): everyone_logged_in(),
    ("notices.settings", "POST"): everyone_logged_in(),
    ("notices.open_notice", "POST"): {},  # the matrix's notice is another user's
    # cases
    ("cases.queue", "GET"): everyone_logged_in(),  # each sees what they may read
    ("cases.export", "GET"): SUPERVISORS_ADMINS,
    ("cases.new_report", "POST"): WORKERS_ONLY,
    ("cases.detail", "GET"): READS,
    ("cases.add_action", "POST"): WORK,
    ("cases.add_corroboration", "POST"): WORK,
    ("cases.add_note", "POST"): WORK,
    ("cases.assign", "POST"): OFFICE_WORK,  # officers may take a case; supervisors assign
    ("cases.change_level", "POST"): OFFICE_WORK,
    ("cases.complete_action", "POST"): WORK,
    ("cases.edit_details", "POST"): OFFICE_WORK,
    ("cases.accept_intake_suggestions", "POST"): OFFICE_WORK,  # triage's first step
    ("cases.fire_transition", "POST"): WORK,  # "monitor": officers, supervisors, committees
    ("cases.link_action_owner", "POST"): OFFICE_WORK,
    ("cases.approve_level", "POST"): SUPERVISOR_CASE,
    ("cases.refuse_level", "POST"): SUPERVISOR_CASE,
    ("cases.extend_age_limit", "POST"): SUPERVISOR_CASE,
    ("cases.legal_hold", "POST"): SUPERVISOR_CASE,
    ("cases.publish", "POST"): SUPERVISOR_CASE,
    ("cases.unpublish", "POST"): SUPERVISOR_CASE,
    ("cases.save_brief", "POST"): SUPERVISOR_CASE,
    ("cases.reveal_phone", "POST"): SUPERVISOR_CASE,
    ("messages.send", "POST"): OFFICE_WORK,
    ("messages.do_not_contact", "POST"): OFFICE_WORK,
    ("evidence.upload", "POST"): OFFICE_WORK,
    ("evidence.download", "GET"): FULL_READS,
    ("evidence.preview", "GET"): FULL_READS,
    # the API (bearer tokens)
    ("api.cases", "GET"): everyone_logged_in(),
    ("api.case_detail", "GET"): READS,
    ("api.case_decisions", "GET"): FULL_READS,
    ("api.committees", "GET"): everyone_logged_in(),  # each sees their own
    ("api.committee_detail", "GET"): A_READS,
    ("api.committee_cases", "GET"): A_READS,
    ("api.committee_meetings", "GET"): A_READS,
    ("api.committee_case", "GET"): COMMITTEE_CASE,
    ("api.meeting_detail", "GET"): A_READS,
    ("api.cast_own_vote", "POST"): A_MEMBERS,
    ("api.add_note", "POST"): WORK,  # the API's writes: the same rules as the pages'
    ("api.add_action", "POST"): WORK,
    ("api.complete_action", "POST"): WORK,
    ("api.add_corroboration", "POST"): WORK,
    ("api.fire_transition", "POST"): WORK,
    ("api.assign", "POST"): OFFICE_WORK,
    ("api.update_details", "POST"): OFFICE_WORK,
    ("api.change_level", "POST"): OFFICE_WORK,
    ("api.approve_level", "POST"): SUPERVISOR_CASE,
    ("api.refuse_level", "POST"): SUPERVISOR_CASE,
    ("api.openapi_json", "GET"): everyone_logged_in(),
    ("api_docs.page", "GET"): everyone_logged_in(),  # 409: the meeting has not started
    # committees
    ("committees.index", "GET"): roles("supervisor", "admin", "committee", "member"),
    ("committees.workspace", "GET"): A_READS,
    ("committees.meeting", "GET"): A_READS,
    ("committees.minutes", "GET"): A_READS,
    ("committees.case_brief", "GET"): COMMITTEE_CASE,
    ("committees.new_meeting", "GET"): RUNS_MEETINGS,
    ("committees.new_meeting", "POST"): RUNS_MEETINGS,
    ("committees.add_guest", "POST"): RUNS_MEETINGS,
    ("committees.remove_guest", "POST"): RUNS_MEETINGS,
    ("committees.add_item", "POST"): RUNS_MEETINGS,
    ("committees.remove_item", "POST"): RUNS_MEETINGS,
    ("committees.set_proposal", "POST"): RUNS_MEETINGS,
    ("committees.postpone_item", "POST"): RUNS_MEETINGS,
    ("committees.close_item", "POST"): RUNS_MEETINGS,
    ("committees.record_attendance", "POST"): RUNS_MEETINGS,
    ("committees.record_vote", "POST"): RUNS_MEETINGS,
    ("committees.cancel_meeting", "POST"): RUNS_MEETINGS,
    ("committees.close_meeting", "POST"): RUNS_MEETINGS,
    ("committees.open_written_vote", "POST"): RUNS_MEETINGS,
    ("committees.vote", "POST"): A_MEMBERS,
    ("committees.recuse", "POST"): A_MEMBERS,
    ("committees.new", "GET"): MANAGES,
    ("committees.new", "POST"): MANAGES,
    ("committees.edit", "GET"): MANAGES,
    ("committees.edit", "POST"): MANAGES,
    ("committees.add_member", "POST"): MANAGES,
    ("committees.change_member", "POST"): MANAGES,
    ("committees.remove_member", "POST"): MANAGES,
    # contacts, outbox, administration
    ("contacts.index", "GET"): SUPERVISORS_ADMINS,
    ("contacts.new", "GET"): SUPERVISORS_ADMINS,
    ("contacts.new", "POST"): SUPERVISORS_ADMINS,
    ("contacts.edit", "GET"): SUPERVISORS_ADMINS,
    ("contacts.edit", "POST"): SUPERVISORS_ADMINS,
    ("contacts.set_active", "POST"): SUPERVISORS_ADMINS,
    ("admin.outbox", "GET"): SUPERVISORS_ADMINS,
    ("admin.captured", "GET"): SUPERVISORS_ADMINS,
    ("admin.retry", "POST"): SUPERVISORS_ADMINS,
    ("admin_log.index", "GET"): MANAGES,
    ("admin_sites.index", "GET"): MANAGES,
    ("admin_sites.edit", "GET"): MANAGES,
    ("admin_sites.edit", "POST"): MANAGES,
    ("admin_sites.import_file", "GET"): MANAGES,
    ("admin_sites.import_file", "POST"): MANAGES,
    ("admin_users.index", "GET"): MANAGES,
    ("admin_users.new", "GET"): MANAGES,
    ("admin_users.new", "POST"): MANAGES,
    ("admin_users.detail", "GET"): MANAGES,
    ("admin_users.disable", "POST"): MANAGES,
    ("admin_users.enable", "POST"): MANAGES,
    ("admin_users.reset_password", "POST"): MANAGES,
    ("admin_users.reset_second_factor", "POST"): MANAGES,
    ("admin_users.set_role", "POST"): MANAGES,
}

# What an API POST sends: a well-formed request, so only the permission check refuses it.
API_BODIES = {"api.cast_own_vote": {"choice": "abstain"}}

# Fields a POST needs before its permission check can even find its object.
EXTRA_FIELDS = {
    "committees.open_written_vote": lambda world: {"case": world.cases["committee"].reference}
}


def _case_ids_in(world: World, obj: str) -> dict[str, int | str]:
    values: dict[str, int | str] = {"reference": world.cases[obj].reference}
    for param, ids in world.per_case.items():
        values[param] = ids[obj]
    return values


def _urls(app, world: World):
    """(endpoint, method, object, url) for every route; object ``-`` when it names no case."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        per_case = "reference" in rule.arguments or rule.arguments & set(world.per_case)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for obj in OBJECTS if per_case else ("-",):
                values = dict(world.values)
                if per_case:
                    values.update(_case_ids_in(world, obj))
                if rule.endpoint.startswith(("committees.", "api.")):
                    values["user_id"] = world.member_a.id
                missing = rule.arguments - set(values)
                assert not missing, (
                    f"{rule.rule}: give {sorted(missing)} a value in route_matrix_world.py"
                )
                built = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)
                assert built is not None, rule.rule
                yield rule.endpoint, method, obj, built[1]


def _expected(endpoint: str, method: str, role: str, obj: str) -> str | None:
    rule = EXPECT.get((endpoint, method))
    if rule is None:
        return None
    if rule == PUBLIC:
        return "ok"
    if rule == SIGNED:
        return "deny"
    if rule == LOGOUT:
        return "login"
    if role == "anonymous":
        return "login"
    assert isinstance(rule, dict)
    allowed = rule.get(role, NONE)
    if obj == "-":
        return "ok" if allowed else "deny"
    return "ok" if obj in allowed else "deny"


def _leaks(role: str, endpoint: str, obj: str, body: str) -> list[str]:
    """The report text (title, description) of cases ``role`` may not read, on a page."""
    readable = NONE if role in ("anonymous", "viewer") else READS[role]
    return [
        f"{endpoint} {obj} shows the {name} case's {what}"
        for name in OBJECTS
        if name not in readable
        for what in ("title", "text")
        if marker(name, what) in body
    ]


@pytest.fixture
def world(app, make_user, make_site, make_committee, make_case, frozen_now):
    world = build_world(make_user, make_site, make_committee, make_case)
    from casework.public.statistics import Period

    world.values["key"] = Period.containing(frozen_now).key
    world.values["site_id"] = world.cases["closed"].site_id
    world.values["user_id"] = world.target.id
    world.values["token"] = "not-a-reset-token"
    world.values["filename"] = "casework.css"
    world.values["fmt"] = "csv"
    return world


@pytest.fixture
def app_config():
    return {"CASEWORK_SECURITY_CONTACT": "security@example.org"}


def _bearer(user) -> dict[str, str]:
    from casework.auth.models import ApiToken
    from casework.extensions import db

    token = secrets.token_urlsafe(32)
    # Read and write: the role, not the token, is what the matrix is about.
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token), scopes="read write"))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _client_for(app, role: str, world: World, make_user):
    """A client logged in through the form as ``role``, its CSRF token, and the same
    user's bearer token header for the API."""
    client = app.test_client()
    if role == "anonymous":
        return client, csrf_token(client, "/login"), {}
    user = make_user("committee" if role == "member" else role)
    if role in ("committee", "member"):
        from casework.committees.models import CommitteeMembership
        from casework.extensions import db

        committee = world.committee_a if role == "member" else world.committee_b
        db.session.add(CommitteeMembership(committee=committee, user=user, sector="industry"))
        db.session.commit()
    assert login(client, user.email).status_code == 302
    return client, csrf_token(client, "/notifications/settings"), _bearer(user)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app, world, make_user, role):
    client, token, bearer = _client_for(app, role, world, make_user)
    api = app.test_client()  # the API by bearer token, with no session cookie
    observed, wrong, untabled, leaks = {}, [], set(), []
    requests = list(_urls(app, world))
    # Logging out ends the sweep's session: last.
    requests.sort(key=lambda r: r[0] == "auth.logout")
    for endpoint, method, obj, url in requests:
        if url.startswith("/api/"):
            body = API_BODIES.get(endpoint, {})
            response = api.open(url, method=method, headers=bearer, json=body)
        elif method == "GET":
            response = client.get(url)
        else:
            extra = EXTRA_FIELDS.get(endpoint, lambda world: {})(world)
            response = client.open(url, method=method, data={"csrf_token": token, **extra})
        got = outcome(response, role)
        if method == "GET" and got == "ok" and endpoint != "static":
            body = response.get_data(as_text=True)
            leaks.extend(_leaks(role, endpoint, obj, body))
            if endpoint == "cases.detail" and role != "viewer" and marker(obj, "title") not in body:
                leaks.append(f"the markers do not show: {obj}'s case page lacks its title")
        response.close()
        observed[(endpoint, method, obj)] = f"{got} {response.status_code}"
        want = _expected(endpoint, method, role, obj)
        if want is None:
            untabled.add(f"{endpoint} {method}")
        elif got != want:
            wrong.append(f"{endpoint} {method} {obj}: expected {want}, got {got} "
                         f"({response.status_code})")  # fmt: skip
    if os.environ.get("MATRIX_DUMP"):
        out = Path(os.environ["MATRIX_DUMP"]) / f"{role}.txt"
        out.write_text("".join(f"{e} {m} {o} {g}\n" for (e, m, o), g in sorted(observed.items())))
    problems = [f"missing from EXPECT: {route}" for route in sorted(untabled)] + wrong + leaks
    assert not problems, "\n".join(problems)


def test_the_table_names_no_route_that_does_not_exist(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert set(EXPECT) <= routes, sorted(set(EXPECT) - routes)
