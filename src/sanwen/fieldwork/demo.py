"""Demo steps for field work. `build` (before the cases step): meetings, leave, ledger books and the
chief's research topic. `finish` (after it): field days to each person's quota (a few miss it in some
months) and visits until the period holds exactly the report's 3,020 household visits (户次); the
bureau chief's visits centre on his contact point at 仁里村."""

import datetime
import io

from django.core.files.base import ContentFile

from sanwen.campaigns.models import RankQuota, Vehicle, VisitRole
from sanwen.clients.models import Household, HouseholdKind
from sanwen.core.access import Role
from sanwen.core.calendar import UnknownYear, WorkingCalendar
from sanwen.core.demo import DemoContext
from sanwen.fieldwork.models import (
    FieldDay,
    Leave,
    LeaveMonth,
    LeaveState,
    MeetingKind,
    Visit,
    VisitHousehold,
    month_end,
)
from sanwen.fieldwork.services import (
    field_days_bulk,
    leave_decide,
    leave_request,
    ledger_open,
    meeting_record,
    research_start,
    research_update,
    visit_record,
)
from sanwen.org.models import ContactPoint, Place, PlaceLevel, Rank

HOUSEHOLD_VISITS = 3020
MEETINGS = 20
LEDGER_BOOKS = 55
MISS_SHARE = 0.12  # staff-months that fall short of the quota

MEETING_PLAN = [
    (MeetingKind.MOBILISATION, "“三问三解”活动动员大会", "局机关会议室", False),
    (MeetingKind.SEMINAR, "烟农座谈会", "村委会", True),
    (MeetingKind.VILLAGE, "烟叶生产院坝会", "村部晒场", True),
    (MeetingKind.SEMINAR, "卷烟零售客户座谈会", "客户服务站", False),
    (MeetingKind.TRAINING, "烟叶移栽技术培训会", "村委会", True),
    (MeetingKind.WORK, "“三问三解”工作推进会", "局机关会议室", False),
    (MeetingKind.VILLAGE, "烤房建设用地协调会", "村委会", True),
    (MeetingKind.SEMINAR, "零售户经营座谈会", "乡镇零售户服务点", False),
    (MeetingKind.TRAINING, "卷烟陈列与经营培训会", "客户服务站", False),
    (MeetingKind.WORK, "“三问三解”阶段总结会", "局机关会议室", False),
]
FARMER_DIARY = [
    "到{name}家查看烟苗长势，{detail}",
    "与{name}在田间交流烟叶生产，{detail}",
    "走访烟农{name}，{detail}",
    "上门了解{name}家烤房和劳力情况，{detail}",
]
FARMER_DETAILS = [
    "烟株长势整齐，户主对技术指导满意。",
    "户主反映雨水偏多，已讲解病害防治要点。",
    "宣传了今年的种植合同和补贴政策。",
    "了解到劳力紧张，建议采用互助换工。",
    "烤房运转正常，提醒做好烘烤前检修。",
    "户主计划明年扩种，登记了土地流转意向。",
    "讲解了分级扎把要求，户主表示理解。",
]
RETAILER_DIARY = [
    "走访零售户{name}，{detail}",
    "到{name}店里了解经营情况，{detail}",
    "上门服务{name}，{detail}",
]
RETAILER_DETAILS = [
    "订货正常，货源基本满足需求。",
    "店主反映好销品牌偏紧，已解释货源投放政策。",
    "检查了许可证悬挂和明码标价，情况良好。",
    "指导店主使用手机订货软件。",
    "宣传了禁止向未成年人售烟的规定。",
    "店主对送货时间较满意，建议再提前半小时。",
]
OTHER_ACTIVITIES = [
    "联系点蹲点，了解村情民意",
    "烟叶生产现场技术指导",
    "卷烟市场检查",
    "烤房检修巡查",
    "到村委会了解烟叶生产进度",
    "协调烟叶收购站点事宜",
    "零售终端建设指导",
]


def _months(start: datetime.date, end: datetime.date):
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = month_end(month) + datetime.timedelta(days=1)


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


class FieldDemo:
    def __init__(self, ctx: DemoContext):
        self.ctx, self.rng = ctx, ctx.rng
        self.county, self.campaign = ctx.data["county"], ctx.data["campaign"]
        self.staff = ctx.data["staff"]
        self.chief = ctx.data["chief"]
        self.departments = ctx.data["departments"]
        self.calendar = WorkingCalendar.load()
        self.vehicles = list(Vehicle.objects.filter(campaign=self.campaign))
        self.roles = list(VisitRole.objects.filter(campaign=self.campaign))
        self.renli = Place.objects.get(name="仁里村", level=PlaceLevel.NATURAL_VILLAGE)

    def working(self, day) -> bool:
        try:
            return self.calendar.is_workday(day)
        except UnknownYear:
            return day.weekday() < 5

    def spread(self, n: int) -> list[datetime.date]:
        """n working days spread evenly over the period."""
        span = (self.ctx.end - self.ctx.start).days
        days = []
        for i in range(n):
            day = self.ctx.start + datetime.timedelta(days=span * i // n + 1)
            while not self.working(day) and day < self.ctx.end:
                day += datetime.timedelta(days=1)
            days.append(min(day, self.ctx.end))
        return days

    def members(self, name):
        return [p for p in self.staff if p.department_id == self.departments[name].pk]

    # -- build --------------------------------------------------------------------------
    def meetings(self):
        villages = ContactPoint.objects.filter(bureau=self.county).select_related("village")
        villages = [cp.village for cp in villages]
        leaders = [p for p in self.staff if p.role == Role.LEADER]
        heads = [p for p in self.staff if p.rank == Rank.DEPT_HEAD]
        farmers_by_village = {}
        for h in Household.objects.filter(
            bureau=self.county, kind=HouseholdKind.FARMER, village__isnull=False
        ):
            farmers_by_village.setdefault(h.village_id, []).append(h)
        made = []
        for index, day in enumerate(self.spread(MEETINGS)):
            kind, title, place, in_village = MEETING_PLAN[
                0 if index == 0 else 1 + (index - 1) % (len(MEETING_PLAN) - 1)
            ]
            if index == MEETINGS - 1:
                kind, title, place, in_village = MEETING_PLAN[-1]
            village = self.renli if index in (1, 6) else (self.rng.choice(villages) if in_village else None)
            if kind in (MeetingKind.MOBILISATION, MeetingKind.WORK):
                attending = leaders + heads
            else:
                attending = [
                    self.rng.choice(leaders),
                    *self.rng.sample(self.members("烟叶站") + self.members("客户服务站"), 3),
                ]
            households = (
                self.rng.sample(
                    farmers_by_village.get(village.pk, []),
                    min(6, len(farmers_by_village.get(village.pk, []))),
                )
                if village
                else []
            )
            made.append(
                meeting_record(
                    bureau=self.county,
                    by=attending[0],
                    kind=kind,
                    title=f"{village.name}{title}" if village else title,
                    on=day,
                    place=f"{village.name}{place}" if village else place,
                    village=village,
                    minutes=f"会议围绕“三问三解”活动，{'听取群众意见建议，现场答复群众关心的问题' if village else '部署和推进下一阶段工作'}。",
                    decisions="建立问题清单，逐项落实责任人和办结时限。",
                    staff=attending,
                    households=households,
                    other_attendees=self.rng.randint(8, 40) if village else 0,
                    vehicles=self.rng.sample(self.vehicles, 2),
                )
            )
        self.ctx.data["meetings"] = made
        return made

    def leave(self):
        approver = self.chief
        deputy = next(p for p in self.staff if p.role == Role.LEADER and p.pk != self.chief.pk)
        people = self.rng.sample([p for p in self.staff if p.role != Role.ADMIN], 12)
        for index, person in enumerate(people):
            start = self.ctx.start + datetime.timedelta(
                days=self.rng.randrange(max(1, (self.ctx.end - self.ctx.start).days - 10))
            )
            length = self.rng.choice([1, 2, 3, 5, 8])
            end = min(start + datetime.timedelta(days=length - 1), self.ctx.end)
            kind = "trip" if index % 3 == 0 else "leave"
            reason = "到市局参加培训" if kind == "trip" else self.rng.choice(["家中有事", "病假", "年休假"])
            leave = leave_request(by=person, kind=kind, start=start, end=end, reason=reason)
            decider = deputy if person.pk == approver.pk else approver
            leave_decide(
                leave=leave,
                by=decider,
                approve=index != 5,
                note="" if index != 5 else "活动推进关键期，请调整时间",
                on=start,
            )

    def ledger_books(self):
        opened = self.ctx.start + datetime.timedelta(days=min(14, (self.ctx.end - self.ctx.start).days))
        count = 0
        for cp in (
            ContactPoint.objects.filter(bureau=self.county).select_related("staff", "village").order_by("id")
        ):
            ledger_open(
                bureau=self.county,
                by=cp.staff,
                scope="contact_point",
                contact_point=cp,
                keeper=cp.staff,
                opened_on=opened,
            )
            count += 1
        covered = set(
            ContactPoint.objects.filter(bureau=self.county).values_list("village__parent_id", flat=True)
        )
        heads = [p for p in self.staff if p.rank == Rank.DEPT_HEAD and p.role == Role.DEPT_HEAD]
        townships = (
            Place.objects.within(self.county.area.code)
            .filter(level=PlaceLevel.TOWNSHIP)
            .exclude(pk__in=covered)
            .order_by("code")
        )
        for index, township in enumerate(townships):
            keeper = heads[index % len(heads)]
            ledger_open(
                bureau=self.county,
                by=keeper,
                scope="village",
                village=township,
                keeper=keeper,
                opened_on=opened,
            )
            count += 1
        keepers = [p for p in self.staff if p.rank in (Rank.KEY_STAFF, Rank.STAFF) and p.role != Role.ADMIN]
        for person in keepers[: LEDGER_BOOKS - count]:
            ledger_open(
                bureau=self.county, by=person, scope="staff", staff=person, keeper=person, opened_on=opened
            )
            count += 1
        return count

    def research(self):
        cp = ContactPoint.objects.get(staff=self.chief, village=self.renli)
        research = research_start(
            bureau=self.county,
            by=self.chief,
            staff=self.chief,
            contact_point=cp,
            topic="仁里村烟叶种植难题调研",
            started_on=self.ctx.start
            + datetime.timedelta(days=min(10, (self.ctx.end - self.ctx.start).days)),
        )
        self.ctx.data["research"] = research

    # -- finish -------------------------------------------------------------------------
    def plan_field_days(self):
        quotas = dict(RankQuota.objects.filter(campaign=self.campaign).values_list("rank", "days_per_month"))
        existing = {}
        for staff_id, on in FieldDay.objects.filter(bureau=self.county).values_list("staff_id", "on"):
            existing.setdefault(staff_id, set()).add(on)
        on_leave = set()
        for leave in Leave.objects.filter(bureau=self.county, state=LeaveState.APPROVED):
            on_leave.update((leave.staff_id, d) for d in _days(leave.start, leave.end))
        leave_days = {
            (m.staff_id, m.month): m.working_days
            for m in LeaveMonth.objects.filter(leave__bureau=self.county)
        }
        plan = []
        for person in [p for p in self.staff if p.role != Role.ADMIN]:
            for month in _months(self.ctx.start, self.ctx.end):
                first, last = max(month, self.ctx.start), min(month_end(month), self.ctx.end)
                required = max(0, quotas.get(person.rank, 0) - leave_days.get((person.pk, month), 0))
                share = ((last - first).days + 1) / ((month_end(month) - month).days + 1)
                target = int(required * share)
                if self.rng.random() < MISS_SHARE:
                    target = max(0, target - self.rng.randint(1, 5))
                have = existing.get(person.pk, set())
                need = target - sum(1 for d in have if first <= d <= last)
                if need <= 0:
                    continue
                free = [d for d in _days(first, last) if d not in have and (person.pk, d) not in on_leave]
                workdays = [d for d in free if self.working(d)]
                weekends = [d for d in free if not self.working(d)]
                self.rng.shuffle(workdays)
                self.rng.shuffle(weekends)
                plan += [(person, d) for d in (workdays + weekends)[:need]]
        self.rng.shuffle(plan)
        return plan

    def households_for(self, person, pools):
        if person.pk == self.chief.pk and self.rng.random() < 0.9:
            return pools["renli"]
        village = pools["contact"].get(person.pk)
        if village and self.rng.random() < 0.6:
            return pools["village"].get(village, pools["farmers"])
        department = person.department.name if person.department_id else ""
        if department == "烟叶站":
            return pools["farmers"]
        if department in ("客户服务站", "专卖股", "营销部"):
            return pools["retailers"]
        return pools["farmers"] if self.rng.random() < 0.5 else pools["retailers"]

    def visits(self, plan):
        households = list(Household.objects.filter(bureau=self.county).select_related("village"))
        pools = {
            "farmers": [h for h in households if h.kind == HouseholdKind.FARMER],
            "retailers": [h for h in households if h.kind == HouseholdKind.RETAILER],
            "renli": [h for h in households if h.village_id == self.renli.pk],
            "village": {},
            "contact": dict(
                ContactPoint.objects.filter(bureau=self.county).values_list("staff_id", "village_id")
            ),
        }
        for h in households:
            if h.village_id:
                pools["village"].setdefault(h.village_id, []).append(h)
        remaining = HOUSEHOLD_VISITS - VisitHousehold.objects.filter(bureau=self.county).count()
        if remaining < 0:
            raise RuntimeError("the cases step made more household visits than the report's total")
        index, n = 0, len(plan)
        while remaining > 0:
            if n == 0:
                raise RuntimeError("the period is too short for the report's visits")
            person, day = plan[index % n]  # past the plan's end, a second visit on a day already out
            pool = self.households_for(person, pools)
            chosen = self.rng.sample(pool, min(remaining, self.rng.choice([1, 1, 1, 2, 2, 3]), len(pool)))
            first = chosen[0]
            template = FARMER_DIARY if first.kind == HouseholdKind.FARMER else RETAILER_DIARY
            details = FARMER_DETAILS if first.kind == HouseholdKind.FARMER else RETAILER_DETAILS
            visit_record(
                bureau=self.county,
                by=person,
                on=day,
                diary=self.rng.choice(template).format(
                    name="、".join(h.name for h in chosen), detail=self.rng.choice(details)
                ),
                households=chosen,
                vehicles=self.rng.sample(self.vehicles, self.rng.choice([1, 1, 2])),
                roles=self.rng.sample(self.roles, self.rng.choice([1, 2])),
            )
            remaining -= len(chosen)
            index += 1
        plain = plan[index:]
        field_days_bulk(
            by=self.chief,
            bureau=self.county,
            days=[(person, day, None, self.rng.choice(OTHER_ACTIVITIES)) for person, day in plain],
        )
        return len(plan) - len(plain), len(plain)

    def finish_research(self):
        research = self.ctx.data["research"]
        visits = Visit.objects.filter(
            staff_links__staff=self.chief, household_links__household__village=self.renli
        ).distinct()
        meetings = [m for m in self.ctx.data["meetings"] if m.village_id == self.renli.pk]
        reported = self.ctx.end - datetime.timedelta(days=15)
        report = None
        if reported > research.started_on:
            report = ContentFile(_report_docx(visits.count()), name="仁里村烟叶种植难题调研报告.docx")
        research_update(
            research=research,
            by=self.chief,
            findings=(
                "一是连片土地流转难，部分烟田分散；二是烤房老化，烘烤质量不稳；三是青壮劳力外出，用工紧张。"
                "建议：协调村委推进土地集中流转，分批改造密集烤房，组织机耕和互助换工。"
            ),
            visits=list(visits),
            meetings=meetings,
            report=report,
            reported_on=reported if report else None,
        )


def _report_docx(n_visits: int) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("仁里村烟叶种植难题调研报告", level=1)
    document.add_paragraph(
        f"为落实“三问三解”活动“抓调研出成果”的要求，局长以仁里村为联系点，先后走访烟农{n_visits}次，"
        "召开座谈会和院坝会，梳理出烟叶种植中的突出问题。"
    )
    for line in ("一、连片土地流转难。", "二、烤房老化，烘烤质量不稳。", "三、劳力紧张，机耕需求迫切。"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build(ctx: DemoContext) -> None:
    demo = FieldDemo(ctx)
    meetings = demo.meetings()
    demo.leave()
    books = demo.ledger_books()
    demo.research()
    ctx.say(f"  field work: {len(meetings)} meetings, {books} ledger books, leave requests decided")


def finish(ctx: DemoContext) -> None:
    demo = FieldDemo(ctx)
    plan = demo.plan_field_days()
    total = len(plan)
    with_visits, plain = demo.visits(plan)
    demo.finish_research()
    household_visits = VisitHousehold.objects.filter(bureau=demo.county).count()
    ctx.say(
        f"  field work: {household_visits} household visits, {with_visits} field days with a visit "
        f"and {plain} without (of {total} planned)"
    )
