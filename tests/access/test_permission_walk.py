"""Walk every URL the platform serves — pages, fragments, exports, the audit trail and the Django
admin — as a user of another bureau (each role), as an anonymous visitor, and as each role of the
owning bureau, with staff who are the subject of integrity reports (linked as the accused, or only
named in the report's text), and prove nothing leaks or changes.

A new URL whose parameters this walk cannot fill makes it fail: extend a_objects when you add one."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from sanwen.accountability import services as duty
from sanwen.api.services import api_key_create
from sanwen.campaigns.models import DeedKind, Prohibition
from sanwen.cases.services import deed_record
from sanwen.clients.imports import clients_import
from sanwen.clients.models import RetailLicence
from sanwen.core.access import BUREAU_PATHS, Role
from sanwen.core.models import AuditEvent
from sanwen.org.models import Staff

SKIP_PREFIXES = ("admin/", "static/", "media/")
PUBLIC = {
    "login/",
    "i18n/setlang/",
    "api/",
    "api/openapi.json",
    "api/docs",
    "api/v1/",
    "api/v1/openapi.json",
    "field/sw.js",  # the field pages' service worker: code only, no data
}  # api/ is django-ninja's empty root
# The public portal and its Open311 interface: open to everyone by design (their own tests prove what
# they show and refuse).
PORTAL_PREFIX = ("p/", "open311/")
# Pages every role of the bureau may open; others list the roles allowed.
ROLE_RULES = {
    "clients/import/": {Role.ADMIN},
    "audit/": {Role.ADMIN, Role.INSPECTOR},
    "clients/new/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.ADMIN},
    "clients/<int:household_id>/edit/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.ADMIN},
    "calendar/": {Role.ADMIN},
    "notify/log/": {Role.ADMIN},
    "cases/new/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF},
    "cases/": set(Role),
    "cases/<int:case_id>/": set(Role),
    "cases/deeds/": set(Role),
    "field/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/visits/new/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/meetings/new/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/outbox/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/leave/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/visits/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/visits/<int:visit_id>/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/quota/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "field/ledgers/<int:book_id>/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "cards/": set(Role),
    "accountability/scorecard/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "reports/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "reports/summary.docx": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "accountability/commitments/": {Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR},
    "accountability/commitments/<int:commitment_id>/": {
        Role.LEADER,
        Role.STAFF,
        Role.INSPECTOR,
        Role.DEPT_HEAD,
    },
    "accountability/integrity/": {Role.LEADER, Role.INSPECTOR},
    "accountability/integrity/reports/<int:report_id>/": {Role.LEADER, Role.INSPECTOR},
    "accountability/integrity/gifts/": set(Role),
    "accountability/integrity/reports/new/": set(Role),
    "accountability/assessments/": {Role.LEADER, Role.INSPECTOR},
    "accountability/assessments/<int:assessment_id>/": {Role.LEADER, Role.INSPECTOR},
}
# Words that appear only in the integrity reports of the walk (their text, and so their audit entries).
ABOUT_INSPECTOR = "检查员收受零售户购物卡"  # linked: the inspector is the accused
ABOUT_LEADER = "韋 建國收受煙農臘肉"  # only named, in traditional characters with a space
ABOUT_STAFF = "收受烟农土特产未退还的问题"  # linked: the staff member is the accused
LEADER_NAME = "韦建国"
# Who of the owning bureau may read each report's words: leaders and inspectors, never its subject.
READERS = {
    ABOUT_INSPECTOR: {Role.LEADER},
    ABOUT_LEADER: {Role.INSPECTOR},
    ABOUT_STAFF: {Role.LEADER, Role.INSPECTOR},
}


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route.lstrip("^").rstrip("$")


def all_routes():
    return sorted(r for r in set(walk(get_resolver().url_patterns)) if not r.startswith(SKIP_PREFIXES))


@pytest.fixture
def a_objects(world):
    import datetime

    from sanwen.campaigns.models import HandlingMode
    from sanwen.cases.services import (
        batch_create,
        case_accept,
        case_assign,
        case_register,
        case_resolve,
        extension_request,
    )
    from sanwen.cases.views import ACTIONS

    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    run = clients_import(
        bureau=a.bureau, by=a.users[Role.ADMIN], filename="x.csv", content="类型,姓名\n".encode()
    )
    day = datetime.date(2026, 3, 2)
    mode = HandlingMode.objects.get(campaign=a.campaign, code="deadline")
    case = case_register(
        bureau=a.bureau,
        by=staff,
        description="仁里村烤房用地紧张",
        title="烤房用地紧张",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=mode,
        raised_on=day,
    )
    case = case_accept(case=case, by=head, deadline=datetime.date(2026, 3, 20), on=day)
    case = case_assign(case=case, by=head, owner=staff, on=day)
    extension = extension_request(
        case=case, by=staff, until=datetime.date(2026, 3, 31), reason="等待规划", on=day
    )
    tracked = HandlingMode.objects.get(campaign=a.campaign, code="tracked")
    resolved = case_register(
        bureau=a.bureau,
        by=staff,
        description="烟苗长势差",
        ask_kind="need",
        source="phone",
        household=a.farmer,
        mode=tracked,
        raised_on=day,
    )
    resolved = case_assign(case=case_accept(case=resolved, by=head, on=day), by=head, owner=staff, on=day)
    resolved = case_resolve(case=resolved, by=staff, resolution="技术员上门指导", on=day)
    batch = batch_create(
        bureau=a.bureau, by=head, title="订货难集中办", deadline=datetime.date(2026, 12, 18), owner=head
    )
    import io as _io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from sanwen.fieldwork.services import (
        leave_request,
        ledger_open,
        meeting_record,
        research_start,
        visit_record,
    )

    buffer = _io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    visit = visit_record(
        bureau=a.bureau,
        by=staff,
        on=day,
        diary="仁里村烤房用地紧张",
        households=[a.farmer],
        photos=[SimpleUploadedFile("p.png", buffer.getvalue())],
    )
    meeting = meeting_record(
        bureau=a.bureau,
        by=staff,
        kind="seminar",
        title="订货难集中办座谈",
        on=day,
        place="村委会",
        minutes="座谈",
    )
    research = research_start(bureau=a.bureau, by=staff, topic="烤房用地紧张调研", started_on=day)
    book = ledger_open(bureau=a.bureau, by=staff, scope="village", village=a.village, opened_on=day)
    leave = leave_request(by=staff, kind="leave", start=day, end=day, reason="事假")
    commitment = duty.commitment_make(
        by=staff, text="每月走访仁里村烟农", due_on=datetime.date(2026, 4, 30), made_on=day
    )
    gift = duty.gift_declare(by=staff, what="茶叶", giver="零售户", value="100", received_on=day)
    deed = deed_record(
        bureau=a.bureau,
        by=head,
        kind=DeedKind.objects.filter(campaign=a.campaign).first(),
        quantity=1,
        on=day,
        description="烤房用地落实",
    )
    key, _token = api_key_create(
        by=a.users[Role.ADMIN],
        name="统计接口",
        caps=["view_cases"],
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    prohibition = Prohibition.objects.filter(campaign=a.campaign).first()
    report = duty.report_internal(by=head, prohibition=prohibition, description=ABOUT_STAFF, accused=staff)
    inspector, leader = a.users[Role.INSPECTOR], a.users[Role.LEADER]
    Staff.objects.filter(pk=leader.pk).update(name=LEADER_NAME)
    leader.refresh_from_db()
    about_inspector = duty.report_internal(
        by=staff, prohibition=prohibition, description=ABOUT_INSPECTOR, accused=inspector
    )
    about_leader = duty.report_public(bureau=a.bureau, prohibition=prohibition, description=ABOUT_LEADER)
    assessment = duty.assessment_start(staff=staff, year=2025, by=a.users[Role.INSPECTOR])
    return {
        "commitment_id": commitment.pk,
        "gift_id": gift.pk,
        "report_id": [report.pk, about_inspector.pk, about_leader.pk],
        "assessment_id": assessment.pk,
        "visit_id": visit.pk,
        "photo_id": visit.photos.get().pk,
        "meeting_id": meeting.pk,
        "research_id": research.pk,
        "book_id": book.pk,
        "leave_id": leave.pk,
        "staff_id": staff.pk,
        "bureau_code": a.bureau.code,
        "card_code": staff.card_code,
        "household_id": a.retailer.pk,
        "importrun_id": run.run.pk,
        "retaillicence_id": RetailLicence.objects.get(household=a.retailer).pk,
        "case_id": case.pk,
        "action": list(ACTIONS),
        "batch_id": batch.pk,
        "extension_id": extension.pk,
        "followup_id": resolved.follow_ups.first().pk,
        "follow_up_id": resolved.follow_ups.first().pk,
        "deed_id": deed.pk,
        "licence_id": RetailLicence.objects.get(household=a.retailer).pk,
        "key_id": key.pk,
        "fmt": ["json", "xml"],
        "request_id": case.tracking_code,
        "code": "need",
    }


def fill_all(route, objects) -> list[str]:
    """Every URL of the route with the objects' values (a list value gives one URL each)."""
    urls = ["/" + route]
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
        name = match.group(2)
        if name not in objects:
            pytest.fail(
                f"The permission walk cannot fill <{match.group(1)}:{name}> in {route}; add it to a_objects."
            )
        values = objects[name] if isinstance(objects[name], list) else [objects[name]]
        urls = [url.replace(match.group(0), str(v), 1) for url in urls for v in values]
    return urls


def fill(route, objects):
    return fill_all(route, objects)[0]


# A visitor's own traces: their session, the portal's per-address counters, their own login time and
# the notices they marked read. Everything else must be exactly as it was.
# (The quota tallies are figures worked out again after a change, written by the first page that
# reads them: a cache of what the fingerprinted records give, not a record of their own.)
NOT_FINGERPRINTED = {"core.ratecounter", "sessions.session", "fieldwork.quotatally"}
OWN_COLUMNS = {"org.staff": {"last_login", "alerts_read_at"}}


PATHS = {
    **BUREAU_PATHS,
    "accountability.reportevent": "report__bureau",
    "core.notification": "recipient__bureau",
}


def fingerprint(bureau):
    """Every row of every table that belongs to the bureau (and every shared row), as it stands: a
    visitor from elsewhere may change their own bureau's rows, never these."""
    result = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_FINGERPRINTED:
            continue
        rows = model._default_manager.order_by("pk")
        path = PATHS.get(label) or (
            "bureau" if "bureau" in {f.name for f in model._meta.get_fields()} else None
        )
        if path:
            rows = rows.filter(**{path: bureau})
        skip = OWN_COLUMNS.get(label, set())
        result[label] = [{k: v for k, v in row.items() if k not in skip} for row in rows.values()]
    return result


def test_the_walk_sees_the_pages_it_must_protect():
    routes = all_routes()
    for expected in (
        "clients/",
        "clients/<int:household_id>/",
        "audit/",
        "api/clients/<household_id>",
        "cases/<int:case_id>/<slug:action>/",
        "cases/extensions/<int:extension_id>/decide/",
    ):
        assert expected in routes, routes


@pytest.mark.parametrize("role", list(Role))
def test_another_bureaus_users_see_and_change_nothing(client, world, a_objects, role):
    intruder = world.b.users[role]
    client.force_login(intruder)
    before = fingerprint(world.a.bureau)
    secrets = [
        world.a.farmer.name,
        world.a.retailer.name,
        "451122100123",
        "三丰便利店",
        "烤房用地紧张",
        "订货难集中办",
    ]
    for route in all_routes():
        for url, method in [(u, m) for u in fill_all(route, a_objects) for m in ("get", "post")]:
            response = getattr(client, method)(url)
            has_ids = "<" in route and not route.startswith(PORTAL_PREFIX)
            if has_ids:
                # The API checks a request's body before it looks the record up: an empty body is a 400
                # or 422 whether the record exists or not, so the status says nothing about it.
                allowed = (400, 403, 404, 405, 422) if route.startswith("api/") else (403, 404, 405)
                assert response.status_code in allowed, (
                    f"{method.upper()} {url} as {role}: {response.status_code}"
                )
            else:
                assert response.status_code in (200, 302, 400, 403, 404, 405, 429), (
                    f"{method.upper()} {url}: {response.status_code}"
                )
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "ignore")
            for secret in secrets:
                assert secret not in text, (
                    f"{method.upper()} {url} as {role} of the other bureau shows {secret}"
                )
    assert fingerprint(world.a.bureau) == before


def test_anonymous_visitors_are_sent_to_log_in(client, world, a_objects):
    before = fingerprint(world.a.bureau)
    for route in all_routes():
        if route in PUBLIC or route.startswith(PORTAL_PREFIX):
            continue
        for url, method in [(u, m) for u in fill_all(route, a_objects) for m in ("get", "post")]:
            response = getattr(client, method)(url)
            if route.startswith("api/") and not route.startswith(("api/keys/", "api/v1/docs")):
                assert response.status_code in (401, 403, 405), url
            elif response.status_code == 405:  # the method is not served at all
                continue
            else:
                assert response.status_code == 302 and "/login/" in response["Location"], f"{method} {url}"
    assert fingerprint(world.a.bureau) == before


@pytest.mark.parametrize("role", list(Role))
def test_each_role_of_the_bureau_opens_what_its_role_allows(client, world, a_objects, role):
    client.force_login(world.a.users[role])
    for route, allowed in ROLE_RULES.items():
        response = client.get(fill(route, a_objects))
        expected = {200} if role in allowed else {403, 404}
        assert response.status_code in expected, f"{route} as {role}: {response.status_code}"


def test_the_other_bureaus_admin_cannot_reach_this_bureaus_records_in_the_admin(client, world):
    client.force_login(world.b.users[Role.ADMIN])
    a = world.a
    for path in (
        f"/admin/org/department/{a.department.pk}/change/",
        f"/admin/org/staff/{a.users[Role.STAFF].pk}/change/",
        f"/admin/campaigns/campaign/{a.campaign.pk}/change/",
        f"/admin/org/bureau/{a.bureau.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code in (302, 404), path
        assert a.users[Role.STAFF].username not in response.content.decode()
    listing = client.get("/admin/org/staff/").content.decode()
    assert a.users[Role.STAFF].username not in listing
    assert world.b.users[Role.STAFF].username in listing


def test_only_administrators_reach_the_admin(client, world):
    for role in Role:
        client.force_login(world.a.users[role])
        response = client.get("/admin/")
        assert (response.status_code == 200) == (role == Role.ADMIN), role


def admin_urls(objects) -> list[str]:
    """The Django admin's list and change pages of every registered model, with the first rows."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        urls += [
            f"{base}{pk}/change/"
            for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:3]
        ]
    urls += [f"/admin/core/auditevent/{pk}/change/" for pk in objects["report_audit_ids"]]
    return urls


def body_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", "ignore")


@pytest.fixture
def report_audit_ids(a_objects):
    ids = list(
        AuditEvent.objects.filter(object_type="accountability.violationreport").values_list("pk", flat=True)
    )
    assert len(ids) >= 3
    return ids


@pytest.mark.parametrize("role", list(Role))
def test_no_role_of_the_bureau_reads_an_integrity_report_it_may_not(
    client, world, a_objects, report_audit_ids, role
):
    """Every page the platform serves (GET, every URL filled with every report), the audit trail with
    and without its filters, and the admin, as each role of the owning bureau: a report's words reach
    only its readers — the accused inspector, the leader named only in the text, administrators and
    everyone else see none of it — and opening pages changes nothing."""
    user = world.a.users[role]
    client.force_login(user)
    before = fingerprint(world.a.bureau)
    objects = {**a_objects, "report_audit_ids": report_audit_ids}
    urls = [
        u for route in all_routes() if not route.startswith(PORTAL_PREFIX) for u in fill_all(route, objects)
    ]
    urls += [
        "/audit/?type=accountability.violationreport",
        "/audit/?type=accountability.giftdeclaration",
        *[f"/audit/?type=accountability.violationreport&id={pk}" for pk in a_objects["report_id"]],
        "/audit/?page=2",
        "/accountability/integrity/?show=gifts",
        "/accountability/scorecard/records/?code=breach&period=2026",
    ]
    urls += admin_urls(objects)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 403, 404, 405), (
            f"GET {url} as {role}: {response.status_code}"
        )
        text = body_of(response)
        for words, readers in READERS.items():
            if role not in readers:
                assert words not in text, f"GET {url} as {role} shows a report it may not read: {words}"
    assert fingerprint(world.a.bureau) == before


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_readers_do_see_the_reports_they_may(client, world, a_objects, role):
    """The rule hides only what it must: each reader finds the reports not about them, in the register,
    on the report's page and in the audit trail (inspectors read the trail)."""
    client.force_login(world.a.users[role])
    register = client.get("/accountability/integrity/").content.decode()
    for report_id in a_objects["report_id"]:
        readers = READERS[duty.ViolationReport.objects.get(pk=report_id).description]
        listed = f"/accountability/integrity/reports/{report_id}/" in register
        assert listed == (role in readers), (role, report_id)
    for report_id in a_objects["report_id"]:
        page = client.get(f"/accountability/integrity/reports/{report_id}/")
        words = next(
            w for w in READERS if w in str(duty.ViolationReport.objects.get(pk=report_id).description)
        )
        assert (page.status_code == 200) == (role in READERS[words]), (role, words, page.status_code)
        if page.status_code == 200:
            assert words in page.content.decode()
    if role == Role.INSPECTOR:
        trail = client.get("/audit/?type=accountability.violationreport").content.decode()
        assert ABOUT_LEADER in trail and ABOUT_STAFF in trail and ABOUT_INSPECTOR not in trail


def test_inspectors_are_notified_only_of_reports_they_may_read(world, a_objects):
    from sanwen.core.models import Notification

    inspector = world.a.users[Role.INSPECTOR]
    keys = set(Notification.objects.filter(recipient=inspector).values_list("key", flat=True))
    about_inspector = duty.ViolationReport.objects.get(description=ABOUT_INSPECTOR)
    assert f"report:{about_inspector.pk}" not in keys
    about_leader = duty.ViolationReport.objects.get(description=ABOUT_LEADER)
    assert f"report:{about_leader.pk}" in keys
