"""Nothing is silently overwritten: two people open the same form, both submit; the second is refused
with the conflict message, keeps their entry, and the database holds the first one's values."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from sanwen.clients.models import PlantingContract, RetailLicence
from sanwen.core.access import Role
from sanwen.core.testing_forms import form_data

CONFLICT = "其他人已修改了此记录"


@pytest.fixture
def editors(world):
    first, second = Client(), Client()
    first.force_login(world.a.users[Role.STAFF])
    second.force_login(world.a.users[Role.LEADER])
    return first, second


def test_a_second_household_edit_on_a_stale_form_is_refused_and_keeps_its_entry(editors, world):
    first, second = editors
    household = world.a.farmer
    url = reverse("client_edit", args=[household.pk])
    seen_by_first = form_data(first.get(url).content.decode())
    seen_by_second = form_data(second.get(url).content.decode())
    assert seen_by_first["version"] == seen_by_second["version"] == str(household.version)

    assert first.post(url, seen_by_first | {"address": "大龙村5组"}).status_code == 302
    response = second.post(url, seen_by_second | {"note": "改了备注", "address": "大龙村3组"})

    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html
    assert "改了备注" in html  # the second editor's entry is still on the form
    household.refresh_from_db()
    assert household.address == "大龙村5组" and household.note == ""
    # Having seen the message, the second editor may submit again on purpose.
    again = form_data(html)
    assert again["version"] == str(household.version)
    assert second.post(url, again).status_code == 302
    household.refresh_from_db()
    assert household.note == "改了备注"


def test_a_second_licence_renewal_on_a_stale_form_is_refused(editors, world):
    first, second = editors
    licence = RetailLicence.objects.get(household=world.a.retailer)
    page = reverse("client_detail", args=[world.a.retailer.pk])
    url = reverse("licence_renew", args=[licence.pk])
    seen_by_first = form_data(first.get(page).content.decode(), having={"version": str(licence.version)})
    seen_by_second = form_data(second.get(page).content.decode(), having={"version": str(licence.version)})
    assert "applied_on" in seen_by_first

    applied = {"applied_on": "2029-01-10"}
    first.post(url, seen_by_first | applied | {"valid_to": "2034-03-04"})
    response = second.post(url, seen_by_second | applied | {"valid_to": "2033-03-04"})

    assert response.status_code == 400
    html = response.content.decode()
    assert CONFLICT in html and 'value="2033-03-04"' in html  # the entry is still on the page
    licence.refresh_from_db()
    assert licence.valid_to == datetime.date(2034, 3, 4)
    assert licence.applications.count() == 2  # the new licence and one renewal


def test_a_second_contract_edit_on_a_stale_form_is_refused(editors, world):
    first, second = editors
    page = reverse("client_detail", args=[world.a.farmer.pk])
    url = reverse("contract_add", args=[world.a.farmer.pk])
    seen_by_first = form_data(first.get(page).content.decode(), having={"year": "2026"})
    seen_by_second = form_data(second.get(page).content.decode(), having={"year": "2026"})
    assert seen_by_first["seen"] == "2026:1"

    first.post(url, seen_by_first | {"year": "2026", "area_mu": "15.0"})
    response = second.post(url, seen_by_second | {"year": "2026", "area_mu": "9.0", "variety": "K326"})

    assert response.status_code == 400
    html = response.content.decode()
    assert CONFLICT in html and 'value="K326"' in html
    contract = PlantingContract.objects.get(household=world.a.farmer, year=2026)
    assert contract.area_mu == 15 and contract.version == 2
    # Having seen the message, the second editor may submit again on purpose.
    again = form_data(html, having={"variety": "K326"})
    assert again["seen"] == "2026:2"
    assert second.post(url, again).status_code == 302
    assert PlantingContract.objects.get(household=world.a.farmer, year=2026).area_mu == 9


def test_a_contract_recorded_by_someone_else_for_the_year_is_not_replaced(editors, world):
    first, second = editors
    page = reverse("client_detail", args=[world.a.farmer.pk])
    url = reverse("contract_add", args=[world.a.farmer.pk])
    seen_by_first = form_data(first.get(page).content.decode(), having={"year": "2026"})
    seen_by_second = form_data(second.get(page).content.decode(), having={"year": "2026"})

    first.post(url, seen_by_first | {"year": "2027", "area_mu": "15.0"})
    second.post(url, seen_by_second | {"year": "2027", "area_mu": "9.0"})

    assert PlantingContract.objects.get(household=world.a.farmer, year=2027).area_mu == 15
