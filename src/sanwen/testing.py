"""The shared test world: two county bureaus under one city, a user per role in each, places,
a campaign each and a few households. Tests build on it instead of making their own."""

import datetime
from dataclasses import dataclass, field

from sanwen.campaigns.services import campaign_create
from sanwen.clients.services import contract_save, household_create, licence_create
from sanwen.core.access import Role
from sanwen.org.models import BureauLevel, Place, Rank
from sanwen.org.services import (
    bureau_create,
    contact_point_assign,
    department_create,
    places_load,
    staff_create,
)

PASSWORD = "correct-horse-battery"  # noqa: S105

PLACES_CSV = """code,name,parent_code,level
45,广西壮族自治区,,
4511,贺州市,45,
451122,钟山县,4511,
451121,昭平县,4511,
451122109,公安镇,451122,
451122100,钟山镇,451122,
451122109205,大龙村委会,451122109,
451122109207,大桥村委会,451122109,
451121100,昭平镇,451121,
451121100201,城南村委会,451121100,
,仁里村,451122109,natural
"""

ROLE_RANKS = {
    Role.LEADER: Rank.LEADER,
    Role.DEPT_HEAD: Rank.DEPT_HEAD,
    Role.STAFF: Rank.KEY_STAFF,
    Role.INSPECTOR: Rank.STAFF,
    Role.ADMIN: Rank.STAFF,
}


@dataclass
class BureauWorld:
    bureau: object
    department: object
    users: dict = field(default_factory=dict)  # role → Staff
    farmer: object = None
    retailer: object = None
    campaign: object = None
    township: object = None
    village: object = None


@dataclass
class World:
    a: BureauWorld
    b: BureauWorld
    operator: object
    places: dict


def valid_id(area: str = "451122", born: str = "19800101", seq: str = "123") -> str:
    from stdnum.cn import ric

    body = f"{area}{born}{seq}"
    return body + ric.calc_check_digit(body + "0")


def build_world() -> World:
    places_load(text=PLACES_CSV)
    places = {p.code or p.name: p for p in Place.objects.all()}
    province = bureau_create(
        name="广西壮族自治区烟草专卖局",
        short_name="区局",
        code="45",
        level=BureauLevel.PROVINCE,
        area=places["45"],
    )
    city = bureau_create(
        name="贺州市烟草专卖局",
        short_name="市局",
        code="4511",
        level=BureauLevel.CITY,
        area=places["4511"],
        parent=province,
    )
    worlds = []
    for code, name, township_code, village_code, prefix in (
        ("451122", "钟山县烟草专卖局", "451122109", "451122109205", "a"),
        ("451121", "昭平县烟草专卖局", "451121100", "451121100201", "b"),
    ):
        bureau = bureau_create(
            name=name,
            short_name=name[:3],
            code=code,
            level=BureauLevel.COUNTY,
            area=places[code],
            parent=city,
        )
        department = department_create(bureau=bureau, name="客户服务站", kind="customer")
        world = BureauWorld(
            bureau=bureau, department=department, township=places[township_code], village=places[village_code]
        )
        for role in Role:
            world.users[role] = staff_create(
                bureau=bureau,
                department=department,
                username=f"{prefix}_{role.value}",
                name=f"{prefix}{role.label}"[:16],
                password=PASSWORD,
                role=role,
                rank=ROLE_RANKS[role],
            )
        department.supervisor = world.users[Role.LEADER]
        department.save(update_fields=["supervisor"])
        world.campaign = campaign_create(bureau=bureau, name="三问三解", start=datetime.date(2025, 7, 1))
        world.farmer = household_create(
            bureau=bureau,
            by=None,
            kind="farmer",
            name="钟林" if prefix == "a" else "黄大年",
            phone="13812341234",
            id_number=valid_id(code),
            township=world.township,
            village=world.village,
            address="大龙村3组",
        )
        contract_save(
            household=world.farmer, by=None, year=2026, area_mu="12.5", contracted_kg=1625, variety="云烟87"
        )
        world.retailer = household_create(
            bureau=bureau,
            by=None,
            kind="retailer",
            name="張三豐" if prefix == "a" else "李小龙",
            phone="13912345678",
            township=world.township,
            address="公安街8号",
        )
        licence_create(
            household=world.retailer,
            by=None,
            number=f"{code}100123",
            business_name="三丰便利店" if prefix == "a" else "小龙商店",
            valid_from=datetime.date(2024, 3, 5),
            valid_to=datetime.date(2029, 3, 4),
        )
        contact_point_assign(
            staff=world.users[Role.STAFF], village=world.village, since=datetime.date(2025, 7, 1)
        )
        worlds.append(world)
    operator = staff_create(
        bureau=None,
        username="operator",
        name="运维",
        password=PASSWORD,
        role=Role.ADMIN,
        rank=Rank.STAFF,
        is_superuser=True,
    )
    return World(a=worlds[0], b=worlds[1], operator=operator, places=places)
