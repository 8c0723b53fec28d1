"""The integrity register: gifts declared and handled; violation reports investigated on an audited
timeline; only inspectors and leaders see the register, and never a report about themselves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanwen.accountability import services
from sanwen.accountability.models import GiftHandling, ReportState, ViolationReport
from sanwen.campaigns.models import Prohibition
from sanwen.core.access import Role, visible
from sanwen.core.models import AuditEvent, Notification
from sanwen.org.models import Staff

D = datetime.date


@pytest.fixture
def gifts(world):
    return Prohibition.objects.get(campaign=world.a.campaign, code="gifts")


def a_report(world, gifts, accused):
    report = services.report_internal(
        by=world.a.users[Role.DEPT_HEAD],
        prohibition=gifts,
        description="收受烟农送来的土鸡两只，未退还",
        accused=accused,
    )
    return report


def test_a_gift_is_declared_and_returned(world):
    staff = world.a.users[Role.STAFF]
    gift = services.gift_declare(
        by=staff, what="茶叶两盒", giver="某零售户", value="300", received_on=D(2026, 3, 1)
    )
    gift = services.gift_handle(gift=gift, by=staff, handling="returned", handled_on=D(2026, 3, 2))
    assert gift.handling == GiftHandling.RETURNED
    assert (
        AuditEvent.objects.filter(
            object_type="accountability.giftdeclaration", object_id=str(gift.pk)
        ).count()
        == 2
    )
    with pytest.raises(ValidationError):
        services.gift_handle(gift=gift, by=staff, handling="handed_in", handled_on=D(2026, 3, 3))
    with pytest.raises(PermissionDenied):  # someone else's gift, not an inspector
        services.gift_handle(
            gift=gift, by=world.a.users[Role.DEPT_HEAD], handling="returned", handled_on=D(2026, 3, 2)
        )


def test_bad_gift_declarations_are_refused(world):
    staff = world.a.users[Role.STAFF]
    for bad in (
        {"what": ""},
        {"value": "很多"},
        {"value": "-5"},
        {"received_on": datetime.date.today() + datetime.timedelta(days=3)},
    ):
        data = {"what": "茶叶", "giver": "某人", "value": "100", "received_on": D(2026, 3, 1)} | bad
        with pytest.raises(ValidationError):
            services.gift_declare(by=staff, **data)


def test_a_report_is_investigated_on_an_audited_timeline(world, gifts):
    staff, inspector = world.a.users[Role.STAFF], world.a.users[Role.INSPECTOR]
    report = a_report(world, gifts, accused=None)
    assert report.state == ReportState.RECEIVED and report.reporter == world.a.users[Role.DEPT_HEAD]
    with pytest.raises(PermissionDenied):
        services.report_investigate(
            report=report, by=world.a.users[Role.LEADER]
        )  # leaders read, inspectors investigate
    report = services.report_investigate(report=report, by=inspector, accused=staff)
    services.report_note(report=report, by=inspector, text="约谈当事人")
    with pytest.raises(ValidationError):
        services.report_conclude(
            report=report, by=inspector, substantiated=True, findings="属实"
        )  # no actions yet
    report = services.report_conclude(
        report=report, by=inspector, substantiated=True, findings="属实", actions="退还并作书面检查"
    )
    assert report.state == ReportState.SUBSTANTIATED and report.accused == staff
    assert list(report.events.values_list("kind", flat=True)) == [
        "received",
        "investigating",
        "accused",
        "note",
        "substantiated",
    ]
    assert (
        AuditEvent.objects.filter(
            object_type="accountability.violationreport", object_id=str(report.pk)
        ).count()
        >= 4
    )
    with pytest.raises(ValidationError):
        services.report_note(report=report, by=inspector, text="再补充")


def test_an_anonymous_internal_report_records_no_reporter(world, gifts):
    report = services.report_internal(
        by=world.a.users[Role.STAFF],
        prohibition=gifts,
        description="有人收受馈赠，具体见附件说明",
        anonymous=True,
    )
    assert report.reporter is None and report.anonymous
    assert not AuditEvent.objects.filter(
        object_type="accountability.violationreport",
        object_id=str(report.pk),
        actor=world.a.users[Role.STAFF],
    ).exists()


def test_the_register_is_for_inspectors_and_leaders_and_never_shows_the_accused_their_report(
    client, world, gifts
):
    a = world.a
    about_staff = a_report(world, gifts, accused=a.users[Role.STAFF])
    about_leader = a_report(world, gifts, accused=a.users[Role.LEADER])
    gift = services.gift_declare(
        by=a.users[Role.STAFF], what="月饼", giver="某烟农", value="80", received_on=D(2026, 3, 1)
    )
    for role in Role:
        user = a.users[role]
        client.force_login(user)
        register = client.get("/accountability/integrity/")
        gifts_page = client.get("/accountability/integrity/?show=gifts")
        staff_report = client.get(f"/accountability/integrity/reports/{about_staff.pk}/")
        leader_report = client.get(f"/accountability/integrity/reports/{about_leader.pk}/")
        if role in (Role.LEADER, Role.INSPECTOR):
            assert register.status_code == 200 and gifts_page.status_code == 200
            assert gift.what in gifts_page.content.decode()
            assert staff_report.status_code == 200
            if role == Role.LEADER:  # the leader is accused in the second report
                assert leader_report.status_code == 404
                assert f"/integrity/reports/{about_leader.pk}/" not in register.content.decode()
            else:
                assert leader_report.status_code == 200
        else:
            assert register.status_code == 403 and gifts_page.status_code == 403, role
            assert staff_report.status_code in (403, 404) and leader_report.status_code in (403, 404), role
        # The scorecard's breach records follow the same rule.
        listing = client.get("/accountability/scorecard/records/?code=breach&period=2026")
        assert listing.status_code in (200, 403)
    # Another bureau's inspector sees nothing of it.
    client.force_login(world.b.users[Role.INSPECTOR])
    assert client.get(f"/accountability/integrity/reports/{about_staff.pk}/").status_code == 404
    assert "月饼" not in client.get("/accountability/integrity/?show=gifts").content.decode()


def test_nobody_investigates_a_report_about_themselves(world, gifts):
    inspector = world.a.users[Role.INSPECTOR]
    report = a_report(world, gifts, accused=inspector)
    assert not visible(ViolationReport.objects.filter(pk=report.pk), inspector).exists()
    with pytest.raises(PermissionDenied):
        services.report_investigate(report=report, by=inspector)


def test_a_public_report_gets_its_own_code_and_shows_only_its_state(client, world, settings):
    a = world.a
    gifts = Prohibition.objects.get(campaign=a.campaign, code="gifts")
    response = client.post(
        "/p/451122/report/",
        {
            "prohibition": gifts.pk,
            "description": "收购点工作人员收了我的两条烟才给定级",
            "accused_text": "收购点姓王的",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    page = client.get("/p/received/").content.decode()
    assert "纪检" in page
    report = ViolationReport.objects.get(bureau=a.bureau)
    assert report.source == "public" and report.anonymous and report.reporter_phone == ""
    status = client.get("/p/track/", {"code": report.tracking_code}).content.decode()
    assert "已受理" in status and "收购点姓王的" not in status and "两条烟" not in status
    inspector = a.users[Role.INSPECTOR]
    report = services.report_investigate(report=report, by=inspector)
    services.report_conclude(
        report=report, by=inspector, substantiated=False, findings="经调取监控核实，所反映问题不属实"
    )
    status = client.get("/p/track/", {"code": report.tracking_code}).content.decode()
    assert "不属实" in status and "监控" not in status


def test_a_public_report_without_a_prohibition_or_details_is_refused(client, world):
    response = client.post("/p/451122/report/", {"description": "短"})
    assert response.status_code == 400
    assert not ViolationReport.objects.exists()


@pytest.mark.parametrize(
    "written",
    [
        "{name}收受礼品",
        "{spaced}多次吃拿卡要",
        "听说{traditional}收了购物卡",
        "{USERNAME} took a gift card",
        "（{name}）",
    ],
)
def test_a_report_naming_someone_only_in_its_text_is_kept_from_them(world, gifts, written):
    """However the name is written — spaced, traditional, upper case, in brackets — the person named
    neither reads the report nor investigates it; the other inspectors and leaders do."""
    inspector = world.a.users[Role.INSPECTOR]
    Staff.objects.filter(pk=inspector.pk).update(name="覃丽华", username="qinlihua")
    inspector.refresh_from_db()
    text = written.format(name="覃丽华", spaced="覃 丽 华", traditional="覃麗華", USERNAME="QINLIHUA")
    text += "，时间是三月二日下午，地点在公安镇烟站。"
    report = services.report_public(bureau=world.a.bureau, prohibition=gifts, description=text)
    assert not visible(ViolationReport.objects.filter(pk=report.pk), inspector).exists()
    with pytest.raises(PermissionDenied):
        services.report_investigate(report=report, by=inspector)
    leader = world.a.users[Role.LEADER]
    assert visible(ViolationReport.objects.filter(pk=report.pk), leader).exists()
    assert not Notification.objects.filter(recipient=inspector, key=f"report:{report.pk}").exists()


def test_administrators_and_the_operator_never_read_the_register(world, gifts):
    report = a_report(world, gifts, accused=world.a.users[Role.STAFF])
    for user in (world.a.users[Role.ADMIN], world.operator):
        assert not visible(ViolationReport.objects.filter(pk=report.pk), user).exists()
        assert not visible(
            AuditEvent.objects.filter(object_type="accountability.violationreport"), user
        ).exists()


def test_a_person_named_by_post_or_in_the_investigations_notes_loses_sight_of_the_report(world, gifts):
    """Named by post with department (客户服务站站长), or later in an investigation note: the report is
    kept from that person from then on, and still read by the others."""
    head, leader = world.a.users[Role.DEPT_HEAD], world.a.users[Role.LEADER]
    Staff.objects.filter(pk=head.pk).update(title="站长")
    head.refresh_from_db()
    text = f"{world.a.department.name}站长在收购时收受烟农红包，时间是三月二日，地点在收购站。"
    by_post = services.report_public(bureau=world.a.bureau, prohibition=gifts, description=text)
    assert not visible(ViolationReport.objects.filter(pk=by_post.pk), head).exists()
    other = a_report(world, gifts, accused=world.a.users[Role.STAFF])
    assert visible(ViolationReport.objects.filter(pk=other.pk), leader).exists()
    inspector = world.a.users[Role.INSPECTOR]
    services.report_note(report=other, by=inspector, text=f"经查，{leader.name}曾为此打过招呼。")
    assert not visible(ViolationReport.objects.filter(pk=other.pk), leader).exists()
    assert visible(ViolationReport.objects.filter(pk=other.pk), inspector).exists()
