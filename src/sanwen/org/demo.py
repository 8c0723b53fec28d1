"""Demo step: places, the bureau tree, departments, staff with one login per role, contact points."""

from pypinyin import lazy_pinyin

from sanwen.core.access import Role
from sanwen.core.demo import DEMO_PASSWORD, DemoContext
from sanwen.org.models import BureauLevel, DepartmentKind, Place, PlaceLevel, Rank, Staff
from sanwen.org.services import (
    bureau_create,
    contact_point_assign,
    department_create,
    places_load_zhongshan,
    staff_create,
)

# name, kind, head's title, head's role, key staff, staff
DEPARTMENTS = [
    ("局领导班子", DepartmentKind.LEADERSHIP, None, None, 0, 0),
    ("办公室", DepartmentKind.OFFICE, "办公室主任", Role.DEPT_HEAD, 1, 3),
    ("政工股", DepartmentKind.OFFICE, "政工股股长", Role.DEPT_HEAD, 1, 1),
    ("财务股", DepartmentKind.OFFICE, "财务股股长", Role.DEPT_HEAD, 1, 1),
    ("纪检监察室", DepartmentKind.OTHER, "纪检监察室主任", Role.INSPECTOR, 1, 0),
    ("烟叶站", DepartmentKind.LEAF_STATION, "烟叶站站长", Role.DEPT_HEAD, 3, 9),
    ("客户服务站", DepartmentKind.CUSTOMER_SERVICE, "客户服务站站长", Role.DEPT_HEAD, 3, 8),
    ("专卖股", DepartmentKind.MONOPOLY, "专卖股股长", Role.DEPT_HEAD, 2, 7),
]
# The departments' English names (traditional Chinese is derived by OpenCC).
DEPARTMENT_ENGLISH = {
    "局领导班子": "Bureau leadership",
    "办公室": "General office",
    "政工股": "Personnel section",
    "财务股": "Finance section",
    "纪检监察室": "Discipline inspection office",
    "烟叶站": "Tobacco leaf station",
    "客户服务站": "Customer service station",
    "专卖股": "Monopoly section",
}
LEADERS = [
    ("局长", Role.LEADER),
    ("副局长", Role.LEADER),
    ("副局长", Role.LEADER),
    ("纪检组长", Role.INSPECTOR),
]
# Which member of which department gets each demo login.
LOGIN_SLOTS = {
    ("局领导班子", 0): "leader",
    ("烟叶站", 0): "depthead",
    ("烟叶站", 2): "staff",
    ("纪检监察室", 0): "inspector",
    ("办公室", 1): "admin",
}
# The demo logins, one per role, printed by `make run`.
LOGINS = {
    "leader": Role.LEADER,
    "depthead": Role.DEPT_HEAD,
    "staff": Role.STAFF,
    "inspector": Role.INSPECTOR,
    "admin": Role.ADMIN,
}


def _username(ctx: DemoContext, name: str) -> str:
    base = "".join(lazy_pinyin(name))
    taken = ctx.data.setdefault("usernames", set())
    candidate, n = base, 1
    while candidate in taken or candidate in LOGINS:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def _phone(ctx: DemoContext) -> str:
    return (
        ctx.rng.choice(("13", "15", "17", "18", "19"))
        + ctx.rng.choice("3456789")
        + f"{ctx.rng.randrange(10**8):08d}"
    )


def build(ctx: DemoContext) -> None:
    summary = places_load_zhongshan()
    ctx.say(f"  places: {summary['created']} loaded")
    province_area = Place.objects.get(code="45")
    city_area = Place.objects.get(code="4511")
    county_area = Place.objects.get(code="451122")
    province = bureau_create(
        name="广西壮族自治区烟草专卖局",
        short_name="广西区局",
        code="45",
        level=BureauLevel.PROVINCE,
        area=province_area,
    )
    city = bureau_create(
        name="贺州市烟草专卖局",
        short_name="贺州市局",
        code="4511",
        level=BureauLevel.CITY,
        area=city_area,
        parent=province,
    )
    county = bureau_create(
        name="钟山县烟草专卖局(营销部)",
        short_name="钟山县局",
        code="451122",
        level=BureauLevel.COUNTY,
        area=county_area,
        parent=city,
    )
    ctx.data.update(province=province, city=city, county=county)

    staff: list[Staff] = []
    departments = {}
    for order, (name, kind, head_title, head_role, key_count, staff_count) in enumerate(DEPARTMENTS):
        department = department_create(
            bureau=county, name=name, name_en=DEPARTMENT_ENGLISH[name], kind=kind, order=order
        )
        departments[name] = department
        if kind == DepartmentKind.LEADERSHIP:
            members = [(title, Rank.LEADER, role) for title, role in LEADERS]
        else:
            members = [(head_title, Rank.DEPT_HEAD, head_role)]
            members += [
                ("", Rank.KEY_STAFF, Role.INSPECTOR if kind == DepartmentKind.OTHER else Role.STAFF)
            ] * key_count
            members += [("", Rank.STAFF, Role.STAFF)] * staff_count
        for index, (title, rank, role) in enumerate(members):
            login = LOGIN_SLOTS.get((name, index))
            if login == "admin":
                role, title = Role.ADMIN, "系统管理员"
            person_name = ctx.person_name()
            staff.append(
                staff_create(
                    bureau=county,
                    department=department,
                    username=login or _username(ctx, person_name),
                    name=person_name,
                    password=DEMO_PASSWORD if login else None,
                    role=role,
                    rank=rank,
                    title=title,
                    phone=_phone(ctx),
                )
            )
    staff_create(
        bureau=None,
        username="operator",
        name="平台运维",
        password=DEMO_PASSWORD,
        role=Role.ADMIN,
        rank=Rank.STAFF,
        is_superuser=True,
    )
    chief = next(s for s in staff if s.username == "leader")
    by_department = {d: [s for s in staff if s.department_id == dep.pk] for d, dep in departments.items()}
    # 分管领导: the chief and his deputies each supervise some departments.
    leaders = [p for p in staff if p.role == Role.LEADER]
    for index, department in enumerate(d for name, d in departments.items() if name != "局领导班子"):
        department.supervisor = leaders[index % len(leaders)]
        department.save(update_fields=["supervisor"])
    ctx.data.update(staff=staff, departments=departments, chief=chief)
    ctx.say(f"  bureau: {county.name}, {len(departments)} departments, {len(staff)} staff")

    # Contact points: the chief at 仁里村; the other leaders and the leaf station share 公安镇's villages.
    renli = Place.objects.get(name="仁里村", level=PlaceLevel.NATURAL_VILLAGE)
    contact_point_assign(staff=chief, village=renli, since=ctx.start, note="“三问三解”联系点")
    villages = list(Place.objects.filter(parent__code="451122109", level=PlaceLevel.VILLAGE).order_by("code"))
    carers = [s for s in staff if s.rank == Rank.LEADER and s.pk != chief.pk] + by_department["烟叶站"]
    for index, village in enumerate(villages):
        contact_point_assign(staff=carers[index % len(carers)], village=village, since=ctx.start)
    ctx.data["contact_villages"] = [renli, *villages]
    ctx.say(f"  contact points: {1 + len(villages)}")
