"""Review: behaviour checked and found sound (these pass)."""

from sanwen.accountability import services as duty
from sanwen.accountability.models import ReportEvent, ViolationReport
from sanwen.campaigns.models import Prohibition
from sanwen.core.access import Role, visible
from sanwen.core.models import AuditEvent
from sanwen.org.services import staff_create
from sanwen.testing import PASSWORD


def test_inspector_named_in_a_later_note_loses_the_report_and_its_trail(client, world):
    a = world.a
    insp1 = a.users[Role.INSPECTOR]
    insp1.name = "覃志刚"
    insp1.save(update_fields=["name"])
    insp2 = staff_create(
        bureau=a.bureau,
        department=a.department,
        username="a_insp2",
        name="二号督查",
        password=PASSWORD,
        role=Role.INSPECTOR,
        rank="staff",
    )
    p = Prohibition.objects.filter(campaign=a.campaign).first()
    report = duty.report_public(bureau=a.bureau, prohibition=p, description="收购点压级压价吃拿卡要情况严重")
    duty.report_investigate(report=report, by=insp1)
    assert visible(ViolationReport.objects.all(), insp1).filter(pk=report.pk).exists()
    duty.report_note(report=report, by=insp2, text="据反映，覃 誌剛 也参与其中")  # traditional + space
    for user in (insp1,):
        assert not visible(ViolationReport.objects.all(), user).filter(pk=report.pk).exists()
        assert not visible(ReportEvent.objects.all(), user).filter(report=report).exists()
        assert not visible(
            AuditEvent.objects.filter(object_type="accountability.violationreport"), user
        ).exists()
        client.force_login(user)
        assert client.get(f"/accountability/integrity/reports/{report.pk}/").status_code == 404
        assert "参与其中" not in client.get("/audit/").content.decode()
        assert "参与其中" not in client.get("/admin/core/auditevent/").content.decode()
    for role in (Role.ADMIN,):
        client.force_login(a.users[role])
        assert "压级压价" not in client.get("/audit/").content.decode()
        assert "压级压价" not in client.get("/admin/core/auditevent/", {"q": "压级"}).content.decode()
    client.force_login(world.operator)
    assert "压级压价" not in client.get("/audit/").content.decode()
    assert "压级压价" not in client.get("/admin/core/auditevent/", {"q": "压级"}).content.decode()
