import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sanwen.clients.models import ApplicationKind, PlantingContract, RetailLicence
from sanwen.clients.rules import clean_licence_number, clean_term, latest_valid_to
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


def test_a_city_bureau_accepts_only_the_county_the_household_is_in():
    assert clean_licence_number("451122100123", area_code="4511", county_code="451122") == "451122100123"
    with pytest.raises(ValidationError, match="所在县"):
        clean_licence_number("451121100123", area_code="4511", county_code="451122")


def test_a_city_bureau_registers_a_licence_only_with_the_households_county(world):
    city = world.a.bureau.parent
    retailer = world.a.retailer
    retailer.bureau = city  # a household the city bureau keeps itself, in 钟山县's 公安镇
    with pytest.raises(ValidationError) as info:
        licence_create(
            household=retailer,
            by=None,
            number="451121100777",
            valid_from=D(2024, 3, 5),
            valid_to=D(2026, 3, 5),
        )
    assert "451122" in str(info.value.message_dict["number"])
    licence = licence_create(
        household=retailer, by=None, number="451122100777", valid_from=D(2024, 3, 5), valid_to=D(2026, 3, 5)
    )
    assert licence.number == "451122100777"


def test_a_term_is_at_most_five_years():
    assert latest_valid_to(D(2024, 3, 5)) == D(2029, 3, 4)
    # Five years from 29 February end the day before 1 March 2029: 28 February.
    assert latest_valid_to(D(2024, 2, 29)) == D(2029, 2, 28)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)))
def test_a_term_ends_the_day_before_its_fifth_anniversary(start):
    end = latest_valid_to(start)
    anniversary = end + datetime.timedelta(days=1)
    assert anniversary.year == start.year + 5
    # The anniversary is the same day five years on, or 1 March when 29 February does not exist then.
    assert (anniversary.month, anniversary.day) == (start.month, start.day) or (
        (start.month, start.day) == (2, 29) and (anniversary.month, anniversary.day) == (3, 1)
    )
    clean_term(start, end)
    with pytest.raises(ValidationError):
        clean_term(start, anniversary)


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
