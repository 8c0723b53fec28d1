import io

import openpyxl
import pytest
from django.urls import reverse

from sanwen.clients.models import Household
from sanwen.clients.services import household_create
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.a.users[Role.STAFF])
    return client


def _many_households(world, n):
    for i in range(n):
        household_create(
            bureau=world.a.bureau,
            by=None,
            kind="farmer",
            name=f"农户{i:03d}",
            phone=f"137{i:08d}",
            township=world.a.township,
            village=world.a.village,
        )


def test_the_client_list_masks_phones_and_licences(staff_client, world):
    response = staff_client.get(reverse("client_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "139****5678" in html and "13912345678" not in html
    assert "451122***123" in html and "451122100123" not in html
    assert world.b.retailer.name not in html  # another bureau's client


def test_the_client_list_filters_by_kind_township_village_and_search(staff_client, world):
    url = reverse("client_list")
    assert world.a.farmer.name not in staff_client.get(url, {"kind": "retailer"}).content.decode()
    html = staff_client.get(
        url, {"township": world.a.township.pk, "village": world.a.village.pk}
    ).content.decode()
    assert world.a.farmer.name in html and world.a.retailer.name not in html
    html = staff_client.get(url, {"q": "zsf"}).content.decode()
    assert world.a.retailer.name in html and world.a.farmer.name not in html


def test_the_client_list_runs_the_same_queries_whatever_the_size(
    staff_client, world, django_assert_max_num_queries
):
    _many_households(world, 60)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("client_list"))
    assert response.context["page"].paginator.count == 62
    assert len(response.context["page"].object_list) == 25


def test_the_detail_page_masks_and_the_reveal_is_audited(client, world):
    leader = world.a.users[Role.LEADER]
    client.force_login(leader)
    html = client.get(reverse("client_detail", args=[world.a.farmer.pk])).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    response = client.post(reverse("client_reveal", args=[world.a.farmer.pk]))
    assert "13812341234" in response.content.decode()
    assert AuditEvent.objects.filter(action="unmask", actor=leader).count() == 1


def test_an_inspector_cannot_reveal(client, world):
    client.force_login(world.a.users[Role.INSPECTOR])
    html = client.get(reverse("client_detail", args=[world.a.farmer.pk])).content.decode()
    assert reverse("client_reveal", args=[world.a.farmer.pk]) not in html
    assert client.post(reverse("client_reveal", args=[world.a.farmer.pk])).status_code == 403


def test_editing_saves_through_the_service(staff_client, world):
    farmer = world.a.farmer
    data = {
        "kind": "farmer",
        "name": farmer.name,
        "phone": "13800009999",
        "township": world.a.township.pk,
        "village": world.a.village.pk,
        "address": "大龙村6组",
        "id_number": farmer.id_number,
    }
    response = staff_client.post(reverse("client_edit", args=[farmer.pk]), data)
    assert response.status_code == 302
    farmer.refresh_from_db()
    assert (farmer.phone, farmer.address) == ("13800009999", "大龙村6组")
    assert AuditEvent.objects.filter(object_id=str(farmer.pk), action="update").exists()


def test_editing_with_a_bad_phone_shows_the_reason_and_changes_nothing(staff_client, world):
    farmer = world.a.farmer
    data = {
        "kind": "farmer",
        "name": farmer.name,
        "phone": "12345",
        "township": world.a.township.pk,
        "address": "changed",
    }
    response = staff_client.post(reverse("client_edit", args=[farmer.pk]), data)
    assert response.status_code == 200
    assert "11" in response.content.decode()  # the message explains 11 digits
    farmer.refresh_from_db()
    assert farmer.address == "大龙村3组"


def test_a_household_can_be_added(staff_client, world):
    data = {"kind": "retailer", "name": "新店主", "phone": "13700001111", "township": world.a.township.pk}
    response = staff_client.post(reverse("client_create"), data)
    household = Household.objects.get(name="新店主")
    assert response.url == reverse("client_detail", args=[household.pk])


def test_the_export_is_masked_for_staff(staff_client, world):
    response = staff_client.get(reverse("client_export"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "138****1234" in values and "13812341234" not in values


def test_a_full_export_by_a_leader_is_audited(client, world):
    client.force_login(world.a.users[Role.LEADER])
    response = client.get(reverse("client_export"), {"full": "1"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "13812341234" in values
    assert AuditEvent.objects.filter(action="unmask", object_type="org.bureau").exists()


def test_the_import_page_reports_a_rejected_file(client, world):
    client.force_login(world.a.users[Role.ADMIN])
    book = openpyxl.Workbook()
    book.active.append(["类型", "姓名", "乡镇", "手机号码"])
    book.active.append(["烟农", "甲", "火星镇", "123"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "bad.xlsx"
    response = client.post(reverse("client_import"), {"file": buffer}, follow=True)
    html = response.content.decode()
    assert "火星镇" in html and "123" in html
    assert not Household.objects.filter(name="甲").exists()


def test_the_import_template_downloads(client, world):
    client.force_login(world.a.users[Role.ADMIN])
    response = client.get(reverse("import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_home_page_shows_real_figures(staff_client, world):
    _many_households(world, 3)
    response = staff_client.get(reverse("home"))
    assert response.context["households"] == {"total": 5, "farmers": 4, "retailers": 1}
    assert response.context["contracts"]["count"] == 1
    assert response.context["campaign"] == world.a.campaign
    html = response.content.decode()
    assert 'id="fig-farmers">4<' in html
