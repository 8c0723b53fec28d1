import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.clients.models import ApplicationKind, PlantingContract, RetailLicence
from sanwen.clients.rules import clean_licence_number, latest_valid_to
from sanwen.clients.services import contract_save, licence_create, licence_renew
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent

D = datetime.date


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("45112210012", "12 位"),
        ("451121100123", "区划代码"),
        ("451122300123", "第 7 位"),
        ("4511221001234", "12 位"),
    ],
)
def test_a_licence_number_is_checked_against_the_county_and_the_kind_digit(number, reason):
    with pytest.raises(ValidationError, match=reason):
        clean_licence_number(number, area_code="451122")


def test_a_licence_number_may_be_written_with_full_width_digits_and_spaces():
    assert clean_licence_number("４５１１２２ １００１２３", area_code="451122") == "451122100123"
    assert clean_licence_number("451122200001", area_code="451122") == "451122200001"


def test_a_city_bureau_accepts_any_of_its_counties():
    assert clean_licence_number("451121100123", area_code="4511") == "451121100123"


def test_a_term_is_at_most_five_years():
    assert latest_valid_to(D(2024, 3, 5)) == D(2029, 3, 4)
    assert latest_valid_to(D(2024, 2, 29)) == D(2029, 2, 27)


def test_it_refuses_a_term_longer_than_five_years(world):
    retailer = world.a.retailer
    with pytest.raises(ValidationError) as info:
        licence_create(
            household=retailer,
            by=None,
            number="451122100999",
            valid_from=D(2024, 3, 5),
            valid_to=D(2029, 3, 5),
        )
    assert "valid_to" in info.value.message_dict
    assert not RetailLicence.objects.filter(number="451122100999").exists()


def test_it_refuses_a_number_already_registered(world):
    with pytest.raises(ValidationError, match="已经登记"):
        licence_create(
            household=world.a.retailer,
            by=None,
            number="451122100123",
            valid_from=D(2024, 1, 1),
            valid_to=D(2025, 1, 1),
        )


def test_a_farmer_holds_no_licence(world):
    with pytest.raises(ValidationError):
        licence_create(
            household=world.a.farmer,
            by=None,
            number="451122100555",
            valid_from=D(2024, 1, 1),
            valid_to=D(2025, 1, 1),
        )


def test_a_renewal_keeps_the_number_and_starts_the_day_after_expiry(world):
    licence = RetailLicence.objects.get(number="451122100123")
    staff = world.a.users[Role.STAFF]
    renewed = licence_renew(
        licence=licence, by=staff, applied_on=D(2029, 2, 1), valid_to=D(2034, 3, 4), on_the_spot=True
    )
    assert renewed.number == "451122100123"
    assert (renewed.valid_from, renewed.valid_to) == (D(2029, 3, 5), D(2034, 3, 4))
    application = renewed.applications.get(kind=ApplicationKind.RENEW)
    assert application.on_the_spot
    event = AuditEvent.objects.get(object_type="clients.retaillicence", action="update")
    assert event.changes["valid_to"] == ["2029-03-04", "2034-03-04"]


def test_a_renewal_must_be_applied_for_thirty_days_before_expiry(world):
    licence = RetailLicence.objects.get(number="451122100123")
    with pytest.raises(ValidationError, match="30 日前"):
        licence_renew(licence=licence, by=None, applied_on=D(2029, 2, 3), valid_to=D(2034, 3, 4))
    licence.refresh_from_db()
    assert licence.valid_to == D(2029, 3, 4)
    assert not licence.applications.filter(kind=ApplicationKind.RENEW).exists()


def test_a_contract_per_household_and_year_is_replaced_not_duplicated(world):
    contract_save(household=world.a.farmer, by=None, year=2026, area_mu="15", contracted_kg=1950)
    contract = PlantingContract.objects.get(household=world.a.farmer, year=2026)
    assert contract.area_mu == 15
    assert AuditEvent.objects.filter(object_type="clients.plantingcontract", action="update").count() == 1


def test_a_contract_needs_a_positive_area(world):
    with pytest.raises(ValidationError, match="正数"):
        contract_save(household=world.a.farmer, by=None, year=2025, area_mu="0")
