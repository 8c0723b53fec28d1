"""Commitments: made, evidenced, judged; past due flagged to the owner and their head. Assessments:
the five comments, the grade, 优秀 barred by a substantiated violation, locked once final, Word."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from sanwen.accountability import services
from sanwen.accountability.models import AssessmentState, CommitmentState, ReportState, ViolationReport
from sanwen.campaigns.models import Prohibition
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent, Notification
from sanwen.desk.clock import clock_pass

D = datetime.date


def test_a_commitment_is_made_evidenced_and_judged_by_the_head(world):
    staff, head = world.a.users[Role.STAFF], world.a.users[Role.DEPT_HEAD]
    commitment = services.commitment_make(
        by=staff, text="每月走访仁里村全部烟农", due_on=D(2026, 3, 31), made_on=D(2026, 3, 1)
    )
    assert commitment.staff == staff and commitment.state == CommitmentState.OPEN
    services.commitment_add_evidence(commitment=commitment, by=staff, evidence="3月走访21户，见走访记录")
    with pytest.raises(PermissionDenied):
        services.commitment_judge(commitment=commitment, by=staff, state="kept")  # not one's own
    commitment = services.commitment_judge(commitment=commitment, by=head, state="kept", on=D(2026, 4, 1))
    assert commitment.state == CommitmentState.KEPT and commitment.closed_by == head
    assert (
        AuditEvent.objects.filter(
            object_type="accountability.commitment", object_id=str(commitment.pk)
        ).count()
        == 3
    )


def test_commitment_rules(world):
    staff, head, leader = (world.a.users[r] for r in (Role.STAFF, Role.DEPT_HEAD, Role.LEADER))
    with pytest.raises(ValidationError):
        services.commitment_make(by=staff, text="走访", due_on=D(2026, 2, 1), made_on=D(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        services.commitment_make(by=staff, text="替别人承诺", due_on=D(2026, 4, 1), staff=head)
    department = services.commitment_make(
        by=head,
        text="客户服务站一周内回复全部订货问题",
        due_on=D(2026, 4, 1),
        department=world.a.department,
        made_on=D(2026, 3, 1),
    )
    with pytest.raises(PermissionDenied):
        services.commitment_judge(commitment=department, by=head, state="kept", evidence="已回复")
    services.commitment_judge(
        commitment=department, by=leader, state="partly", evidence="回复了九成", on=D(2026, 4, 2)
    )


def test_past_due_commitments_are_flagged_to_the_owner_and_their_head_once(world):
    staff, head = world.a.users[Role.STAFF], world.a.users[Role.DEPT_HEAD]
    commitment = services.commitment_make(
        by=staff, text="帮助零售户解决订货难", due_on=D(2026, 3, 10), made_on=D(2026, 3, 1)
    )
    clock_pass(today=D(2026, 3, 10), send_email=False)
    assert not Notification.objects.filter(key=f"commitment:{commitment.pk}").exists()  # due today, not past
    result = clock_pass(today=D(2026, 3, 11), send_email=False)
    flagged = Notification.objects.filter(key=f"commitment:{commitment.pk}")
    assert set(flagged.values_list("recipient", flat=True)) == {staff.pk, head.pk} and result.commitments == 2
    clock_pass(today=D(2026, 3, 12), send_email=False)
    assert flagged.count() == 2


@pytest.fixture
def draft(world):
    staff, inspector = world.a.users[Role.STAFF], world.a.users[Role.INSPECTOR]
    return services.assessment_start(staff=staff, year=2025, by=inspector, today=D(2026, 1, 10))


def fill(assessment, by, grade="competent", text="认真履职"):
    comments = {
        c.dimension_id: f"{c.dimension.name}：{text}" for c in assessment.comments.select_related("dimension")
    }
    return services.assessment_save(assessment=assessment, by=by, comments=comments, grade=grade)


def test_an_assessment_draws_its_evidence_and_has_the_five_comments(world, draft):
    assert [c.dimension.name for c in draft.comments.select_related("dimension")] == [
        "作用发挥情况",
        "工作成绩",
        "承诺践诺情况",
        "存在的不足和问题",
        "今后努力的方向",
    ]
    assert {"quota_months", "visits", "cases", "commitments", "deeds", "violations", "six_zeros"} <= set(
        draft.evidence
    )
    assert [m["month"] for m in draft.evidence["quota_months"]][:2] == [
        "2025-01",
        "2025-02",
    ] or draft.evidence["quota_months"][0]["month"] == "2025-07"


def test_it_cannot_be_finalised_while_a_comment_is_empty(world, draft):
    inspector, leader = world.a.users[Role.INSPECTOR], world.a.users[Role.LEADER]
    comments = {c.dimension_id: "写了" for c in draft.comments.all()}
    comments[next(iter(comments))] = ""
    draft = services.assessment_save(assessment=draft, by=inspector, comments=comments, grade="competent")
    with pytest.raises(ValidationError) as raised:
        services.assessment_finalise(assessment=draft, by=leader)
    assert "作用发挥情况" in str(raised.value)
    with pytest.raises(PermissionDenied):  # inspectors draft; leaders sign off
        services.assessment_finalise(assessment=fill(draft, inspector), by=inspector)


def test_a_substantiated_violation_in_the_year_bars_excellent(world, draft):
    inspector, leader = world.a.users[Role.INSPECTOR], world.a.users[Role.LEADER]
    ViolationReport.objects.create(
        bureau=world.a.bureau,
        campaign=world.a.campaign,
        prohibition=Prohibition.objects.get(campaign=world.a.campaign, code="gifts"),
        accused=draft.staff,
        description="收受馈赠",
        source="internal",
        received_on=D(2025, 9, 1),
        state=ReportState.SUBSTANTIATED,
        concluded_on=D(2025, 10, 8),
    )
    draft = fill(draft, inspector, grade="excellent")
    with pytest.raises(ValidationError) as raised:
        services.assessment_finalise(assessment=draft, by=leader)
    assert "优秀" in str(raised.value)
    draft = fill(draft, inspector, grade="competent")
    # The violation came after the evidence was drawn: finalising asks to look again first.
    with pytest.raises(services.EvidenceChanged):
        services.assessment_finalise(assessment=draft, by=leader, on=D(2026, 1, 20))
    draft = services.assessment_refresh(assessment=draft, by=inspector, today=D(2026, 1, 20))
    assert draft.evidence["violations"][0]["prohibition"] == "不准收受馈赠"
    final = services.assessment_finalise(assessment=draft, by=leader, on=D(2026, 1, 20))
    assert (
        final.state == AssessmentState.FINAL
        and final.evidence["violations"][0]["prohibition"] == "不准收受馈赠"
    )


def test_a_final_assessment_is_locked(world, draft):
    inspector, leader = world.a.users[Role.INSPECTOR], world.a.users[Role.LEADER]
    final = services.assessment_finalise(assessment=fill(draft, inspector, grade="excellent"), by=leader)
    for attempt in (
        lambda: fill(final, inspector, grade="basic"),
        lambda: services.assessment_refresh(assessment=final, by=inspector),
        lambda: services.assessment_finalise(assessment=final, by=leader),
    ):
        with pytest.raises(ValidationError):
            attempt()


def test_nobody_assesses_themselves(world):
    inspector = world.a.users[Role.INSPECTOR]
    with pytest.raises(PermissionDenied):
        services.assessment_start(staff=inspector, year=2025, by=inspector)


def test_an_assessment_taken_through_the_pages_to_final_and_to_word(client, world, draft):
    inspector, leader, staff = (
        world.a.users[Role.INSPECTOR],
        world.a.users[Role.LEADER],
        world.a.users[Role.STAFF],
    )
    client.force_login(inspector)
    page = client.get(f"/accountability/assessments/{draft.pk}/").content.decode()
    assert "作用发挥情况" in page and "今后努力的方向" in page
    data = {f"comment_{c.dimension_id}": "认真负责" for c in draft.comments.all()}
    data |= {"grade": "competent", "version": draft.version, "action": "save"}
    assert client.post(f"/accountability/assessments/{draft.pk}/", data).status_code == 302
    client.force_login(leader)
    draft.refresh_from_db()
    data |= {"version": draft.version, "action": "finalise"}
    assert client.post(f"/accountability/assessments/{draft.pk}/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.state == AssessmentState.FINAL
    response = client.get(f"/accountability/assessments/export/?year=2025&department={world.a.department.pk}")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert (
        "2025年度工作人员考核登记表" in text and staff.name in text and "☑称职" in text and "认真负责" in text
    )
    # The person assessed reads their final assessment, but never a draft.
    client.force_login(staff)
    assert client.get(f"/accountability/assessments/{draft.pk}/").status_code == 200
    assert client.get("/accountability/assessments/").status_code == 403


def _post(client, assessment, *, version, action, empty=()):
    data = {"grade": "competent", "version": version, "action": action}
    for comment in assessment.comments.select_related("dimension"):
        data[f"comment_{comment.dimension_id}"] = "" if comment.dimension.code in empty else "认真履职"
    return client.post(reverse("assessment_detail", args=[assessment.pk]), data)


def test_a_refused_finalise_leaves_the_form_on_the_saved_version(client, world, draft):
    leader = world.a.users[Role.LEADER]
    client.force_login(leader)
    first = draft.comments.select_related("dimension").first().dimension.code
    response = _post(client, draft, version=draft.version, action="finalise", empty=[first])
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == AssessmentState.DRAFT
    # The draft was saved (version + 1), and the form now carries that version: no false conflict.
    assert response.context["form"]["version"].value() == draft.version
    assert "别人" not in response.content.decode() and "Someone else" not in response.content.decode()
    response = _post(client, draft, version=response.context["form"]["version"].value(), action="finalise")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == AssessmentState.FINAL


def test_finalising_locks_the_evidence_shown_and_asks_again_when_it_changed(client, world, draft):
    leader = world.a.users[Role.LEADER]
    client.force_login(leader)
    shown = draft.evidence
    ViolationReport.objects.create(
        bureau=world.a.bureau,
        campaign=world.a.campaign,
        prohibition=Prohibition.objects.get(campaign=world.a.campaign, code="gifts"),
        accused=draft.staff,
        description="收受馈赠",
        source="internal",
        received_on=D(2025, 9, 1),
        state=ReportState.SUBSTANTIATED,
        concluded_on=D(2025, 10, 8),
    )
    response = _post(client, draft, version=draft.version, action="finalise")
    assert response.status_code == 302
    draft.refresh_from_db()
    # Not locked: the evidence was drawn again and the page says so.
    assert draft.state == AssessmentState.DRAFT and draft.evidence != shown
    page = client.get(reverse("assessment_detail", args=[draft.pk])).content.decode()
    assert "考核依据已有变化" in page
    shown = draft.evidence
    response = _post(client, draft, version=draft.version, action="finalise")
    draft.refresh_from_db()
    assert draft.state == AssessmentState.FINAL and draft.evidence == shown
