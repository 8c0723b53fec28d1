import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanwen.clients.models import Household
from sanwen.clients.services import household_create, household_reveal, household_update
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent


def test_it_creates_a_household_with_normalised_fields_and_an_audit_record(world):
    a = world.a
    household = household_create(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        kind="farmer",
        name="  李　明 ",
        phone="１３８ 0000 1111",
        township=a.township,
        village=a.village,
    )
    assert household.name == "李 明"
    assert household.phone == "13800001111"
    assert AuditEvent.objects.filter(
        object_type="clients.household", object_id=str(household.pk), actor=a.users[Role.STAFF]
    ).exists()


def test_it_rejects_bad_numbers_and_writes_nothing(world):
    a = world.a
    before = Household.objects.count()
    with pytest.raises(ValidationError) as info:
        household_create(
            bureau=a.bureau,
            by=None,
            kind="farmer",
            name="李明",
            phone="1234",
            id_number="451122198001011234",
            township=a.township,
        )
    assert set(info.value.message_dict) == {"phone", "id_number"}
    assert Household.objects.count() == before


def test_it_rejects_a_township_outside_the_bureaus_area(world):
    with pytest.raises(ValidationError) as info:
        household_create(
            bureau=world.a.bureau, by=None, kind="farmer", name="李明", township=world.b.township
        )
    assert "township" in info.value.message_dict


def test_it_rejects_a_village_of_another_township(world):
    other = world.places["451122100"]  # 钟山镇
    with pytest.raises(ValidationError) as info:
        household_create(
            bureau=world.a.bureau,
            by=None,
            kind="farmer",
            name="李明",
            township=other,
            village=world.a.village,
        )
    assert "village" in info.value.message_dict


def test_an_update_records_the_fields_before_and_after(world):
    staff = world.a.users[Role.STAFF]
    household_update(household=world.a.farmer, by=staff, address="大龙村5组")
    event = AuditEvent.objects.filter(object_id=str(world.a.farmer.pk), action="update").get()
    assert event.changes == {"address": ["大龙村3组", "大龙村5组"]}
    assert event.actor == staff


def test_an_update_with_bad_input_changes_nothing(world):
    with pytest.raises(ValidationError):
        household_update(household=world.a.farmer, by=None, phone="999", address="changed")
    world.a.farmer.refresh_from_db()
    assert world.a.farmer.address == "大龙村3组"


def test_search_finds_traditional_simplified_initials_phone_tail_and_licence(world):
    households = Household.objects.filter(bureau=world.a.bureau)
    assert list(households.search("张三丰")) == [world.a.retailer]
    assert list(households.search("zsf")) == [world.a.retailer]
    assert list(households.search("zl")) == [world.a.farmer]
    assert list(households.search("鍾林")) == [world.a.farmer]
    assert list(households.search("5678")) == [world.a.retailer]
    assert list(households.search("451122100123")) == [world.a.retailer]
    assert list(households.search("三丰便利")) == [world.a.retailer]


def test_a_leader_may_reveal_numbers_and_it_is_audited(world):
    leader = world.a.users[Role.LEADER]
    numbers = household_reveal(household=world.a.retailer, by=leader)
    assert numbers["phone"] == "13912345678"
    assert numbers["licences"] == ["451122100123"]
    assert (
        AuditEvent.objects.filter(action="unmask", actor=leader, object_id=str(world.a.retailer.pk)).count()
        == 1
    )


def test_staff_may_reveal_only_in_their_contact_points(world):
    staff = world.a.users[Role.STAFF]
    assert (
        household_reveal(household=world.a.farmer, by=staff)["phone"] == "13812341234"
    )  # 大龙 is their point
    with pytest.raises(PermissionDenied):
        household_reveal(household=world.a.retailer, by=staff)  # no village, not theirs


@pytest.mark.parametrize("role", [Role.INSPECTOR])
def test_roles_without_the_permission_cannot_reveal(world, role):
    with pytest.raises(PermissionDenied):
        household_reveal(household=world.a.farmer, by=world.a.users[role])
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_nobody_reveals_another_bureaus_household(world):
    with pytest.raises(PermissionDenied):
        household_reveal(household=world.b.farmer, by=world.a.users[Role.LEADER])
