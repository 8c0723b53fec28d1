"""Nothing is silently overwritten: two people open the same commitment or assessment, both submit;
the second is refused with the conflict message and the database holds the first one's values."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from sanwen.accountability import services
from sanwen.accountability.models import CommitmentState
from sanwen.core.access import Role
from sanwen.core.testing_forms import form_data

CONFLICT = "其他人已修改了此记录"
D = datetime.date


def _clients(*users):
    clients = []
    for user in users:
        c = Client()
        c.force_login(user)
        clients.append(c)
    return clients


@pytest.fixture
def commitment(world):
    return services.commitment_make(
        by=world.a.users[Role.STAFF],
        text="每月走访仁里村全部烟农",
        due_on=D(2026, 12, 31),
        made_on=D(2026, 3, 1),
    )


def test_a_second_evidence_entry_on_a_stale_form_is_refused(world, commitment):
    first, second = _clients(world.a.users[Role.STAFF], world.a.users[Role.DEPT_HEAD])
    url = reverse("commitment_detail", args=[commitment.pk])
    evidence = {"action": "evidence"}
    seen_by_first = form_data(first.get(url).content.decode(), having=evidence)
    seen_by_second = form_data(second.get(url).content.decode(), having=evidence)
    assert seen_by_first["version"] == "1"

    assert first.post(url, seen_by_first | {"evidence": "3月走访21户"}).status_code == 302
    response = second.post(url, seen_by_second | {"evidence": "走访了一半"})

    html = response.content.decode()
    assert CONFLICT in html and "走访了一半" in html
    commitment.refresh_from_db()
    assert commitment.evidence == "3月走访21户"


def test_a_judgement_on_a_stale_form_is_refused(world, commitment):
    first, second = _clients(world.a.users[Role.DEPT_HEAD], world.a.users[Role.LEADER])
    url = reverse("commitment_detail", args=[commitment.pk])
    judge = {"action": "judge"}
    seen_by_first = form_data(first.get(url).content.decode(), having=judge)
    seen_by_second = form_data(second.get(url).content.decode(), having=judge)

    first.post(url, seen_by_first | {"state": "kept", "evidence": "全部走访"})
    response = second.post(url, seen_by_second | {"state": "not_kept", "evidence": "没有走访"})

    html = response.content.decode()
    assert CONFLICT in html and "没有走访" in html
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.KEPT and commitment.evidence == "全部走访"


def test_a_second_assessment_save_on_a_stale_form_is_refused(world):
    staff, inspector, leader = (world.a.users[r] for r in (Role.STAFF, Role.INSPECTOR, Role.LEADER))
    draft = services.assessment_start(staff=staff, year=2025, by=inspector, today=D(2026, 1, 10))
    first, second = _clients(inspector, leader)
    url = reverse("assessment_detail", args=[draft.pk])
    seen_by_first = form_data(first.get(url).content.decode(), having={"version": str(draft.version)})
    seen_by_second = form_data(second.get(url).content.decode(), having={"version": str(draft.version)})
    comments = [k for k in seen_by_first if k.startswith("comment_")]
    assert len(comments) == 5

    assert first.post(url, seen_by_first | {"grade": "competent", "action": "save"}).status_code == 302
    response = second.post(
        url, seen_by_second | {"grade": "excellent", comments[0]: "表现突出", "action": "save"}
    )

    html = response.content.decode()
    assert CONFLICT in html and "表现突出" in html
    draft.refresh_from_db()
    assert draft.grade == "competent"
    assert not draft.comments.filter(text="表现突出").exists()
