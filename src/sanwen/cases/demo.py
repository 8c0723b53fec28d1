"""Demo step: the campaign's cases and deeds, through the services, dated within the period.

The report's figures come out exactly: 86 suggestions; deeds of 800 亩 of land for tobacco fields and
curing barns, 385 display cabinets, 206 licences renewed on the spot and 3 new farming households
ploughed by a hired machine; the retailers' ordering difficulty solved with the telecom operator as a
multi-party case. Around them, a realistic spread of modes, a few late and a few reopened cases."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from sanwen.campaigns.models import CaseCategory, DeedKind, HandlingMode
from sanwen.cases import services as s
from sanwen.cases.clock import clock_pass
from sanwen.cases.models import Case, CaseEvent, ContactKind, EventKind, Satisfaction
from sanwen.clients.models import Household, HouseholdKind, RetailLicence
from sanwen.clients.rules import latest_valid_to
from sanwen.clients.services import contract_save, household_create, licence_renew
from sanwen.core.access import Role
from sanwen.core.calendar import UnknownYear, WorkingCalendar
from sanwen.core.demo import DemoContext
from sanwen.core.models import Notification
from sanwen.org.models import Place, Rank

SUGGESTIONS = 86
OTHER_CASES = 330
LAND_MU = [180, 150, 120, 110, 90, 80, 70]  # 800 亩, village by village
CABINETS = [60, 85, 70, 90, 80]  # 385 cabinets, delivery by delivery
PLOUGHED = 3
MODE_WEIGHTS = {
    "immediate": 40,
    "on_site": 16,
    "proactive": 9,
    "tracked": 8,
    "deadline": 7,
    "public": 8,
    "centralised": 7,
    "multi_party": 5,
}
LATE_SHARE = 0.08
DISSATISFIED_SHARE = 0.05

FARMER_ITEMS = [
    ("technique", "difficulty", "need", "烟苗长势不齐，担心移栽后成活率低，希望技术员来看看"),
    ("technique", "worry", "need", "今年雨水多，担心烟叶发生病害，想了解防治办法"),
    ("land", "difficulty", "need", "想扩大种植面积，但连片土地流转谈不下来"),
    ("barns", "difficulty", "need", "家里烤房老化，烘烤时温度不稳，想申请维修"),
    ("funds", "difficulty", "need", "购买化肥农膜资金周转困难"),
    ("purchase", "grievance", "opinion", "去年收购时定级偏低，对评级有意见"),
    ("purchase", "worry", "opinion", "收购站排队时间长，希望分时段收购"),
    ("policy", "worry", "need", "不清楚今年的种植补贴政策和合同面积怎么定"),
    ("barns", "difficulty", "need", "想新建密集烤房，不知道怎么申请补贴"),
]
RETAILER_ITEMS = [
    ("ordering", "difficulty", "need", "网上订货经常登录不上，错过订货时间"),
    ("ordering", "worry", "need", "好销的品牌经常订不足，担心生意受影响"),
    ("licence", "difficulty", "need", "许可证快到期了，年纪大行动不便，去办证大厅不方便"),
    ("market", "grievance", "opinion", "附近有人无证卖烟，价格乱，影响正常经营"),
    ("service", "grievance", "opinion", "送货员送货时间不固定，经常等到很晚"),
    ("policy", "worry", "need", "想了解卷烟陈列和明码标价的要求"),
    ("ordering", "difficulty", "need", "店里柜台老旧，卷烟陈列不好看，想换展示柜"),
]
SUGGESTION_TEXTS = [
    "建议在{place}设立烟叶收购临时代收点，减少烟农往返",
    "建议烟叶站在移栽前到{place}集中开展一次技术培训",
    "建议订货系统增加手机短信提醒订货时间",
    "建议对{place}的老烤房统一改造，提高烘烤质量",
    "建议送货线路按乡镇固定时间，方便零售户安排",
    "建议定期公布收购等级标准样品，让烟农心里有数",
    "建议组织{place}的种烟大户给新烟农传授经验",
    "建议在{place}推广机耕作业，降低劳动强度",
    "建议开展诚信经营零售户评选，树立榜样",
    "建议对老弱病残零售户提供上门办证服务",
    "建议在村里张贴卷烟市场举报电话",
    "建议给零售户开展卷烟陈列和经营培训",
]
RESOLUTIONS = {
    "technique": "技术员上门查看，现场指导追肥和病虫害防治，已按要求处理",
    "land": "协调村委和乡镇落实了流转土地，签订流转协议",
    "barns": "安排维修队检修烤房，更换了温控设备",
    "funds": "协调农资赊销并介绍了惠农贷款政策",
    "purchase": "向烟农解释定级标准，复核样品，调整为分片区分时段收购",
    "policy": "上门讲解了今年的种植合同和补贴政策，发放了宣传资料",
    "ordering": "协助重装订货软件并设置订货提醒，已能正常订货",
    "licence": "专卖股上门受理延续申请，就地换发许可证",
    "market": "专卖股开展市场检查，依法查处无证经营",
    "service": "与配送中心调整送货线路，固定了送货时段",
}
SUGGESTION_EVALUATIONS = [
    ("adopted", "已采纳并组织实施"),
    ("partly", "部分采纳，结合实际逐步推行"),
    ("not_adopted", "经研究暂不具备条件，已向提出人说明"),
]


class Demo:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = ctx.rng
        self.county = ctx.data["county"]
        self.campaign = ctx.data["campaign"]
        self.calendar = WorkingCalendar.load()
        self.modes = {m.code: m for m in HandlingMode.objects.filter(campaign=self.campaign)}
        self.categories = {c.code: c for c in CaseCategory.objects.filter(campaign=self.campaign)}
        self.deed_kinds = {k.code: k for k in DeedKind.objects.filter(campaign=self.campaign)}
        departments = ctx.data["departments"]
        staff = ctx.data["staff"]

        def members(name):
            return [p for p in staff if p.department_id == departments[name].pk]

        self.leaf, self.customer, self.monopoly = members("烟叶站"), members("客户服务站"), members("专卖股")
        self.leaders = [p for p in staff if p.role == Role.LEADER]
        self.chief = ctx.data["chief"]
        self.heads = {
            name: next(p for p in members(name) if p.rank == Rank.DEPT_HEAD)
            for name in ("烟叶站", "客户服务站", "专卖股")
        }
        households = Household.objects.filter(bureau=self.county).select_related("township", "village")
        self.farmers = [h for h in households if h.kind == HouseholdKind.FARMER]
        self.retailers = [h for h in households if h.kind == HouseholdKind.RETAILER]
        self.renli = Place.objects.get(name="仁里村")

    # -- dates --
    def day_in_period(self, until_days_before_end: int = 0) -> datetime.date:
        span = (self.ctx.end - self.ctx.start).days - until_days_before_end
        return self.ctx.start + datetime.timedelta(days=self.rng.randrange(max(span, 1)))

    def working_day_after(self, day: datetime.date, n: int) -> datetime.date | None:
        try:
            result = self.calendar.add_working_days(day, n)
        except UnknownYear:
            return None
        return result if result <= self.ctx.end else None

    # -- one case from raising to its end --
    def run_case(
        self,
        *,
        household,
        category,
        concern,
        ask,
        description,
        mode_code,
        source,
        raised_on,
        owner,
        head,
        suggestion=False,
        late=None,
        dissatisfied=None,
    ):
        mode = self.modes[mode_code]
        raiser = owner if source == "visit" else self.rng.choice([owner, head])
        visit = meeting = None
        if source == "visit":  # raised on a visit: the visit is in the sentiment diary too
            # Visits are field work's, above cases: the demo's runner hands its recorder over.
            visit = self.ctx.data["visit_record"](
                bureau=self.county,
                by=raiser,
                on=raised_on,
                diary=f"走访{household.name}，客户反映：{description}",
                households=[household],
            )
        elif source == "meeting":
            held = [
                m for m in self.ctx.data.get("meetings", []) if m.on <= raised_on and m.households.exists()
            ]
            if held:
                meeting = held[-1]
                raised_on = meeting.on
            else:
                source = "phone"
        case = s.case_register(
            visit=visit,
            meeting=meeting,
            bureau=self.county,
            by=raiser,
            description=description,
            ask_kind=ask,
            concern_kind=concern,
            source=source,
            category=self.categories[category],
            household=household,
            mode=mode,
            raised_on=raised_on,
        )
        # Most are accepted the same day; a few a little late (零疏忽 will show them).
        accept_on = raised_on if self.rng.random() < 0.93 else self.working_day_after(raised_on, 2)
        if accept_on is None:
            return case
        deadline = None
        if mode.code == "deadline":
            deadline = self.working_day_after(raised_on, self.rng.choice([15, 20, 25])) or None
            if deadline is None:
                return case
        case = s.case_accept(case=case, by=head, on=accept_on, deadline=deadline)
        case = s.case_assign(case=case, by=head, owner=owner, on=accept_on, notify=False)
        if case.deadline is None:
            return case
        limit = self.calendar.working_days_between(raised_on, case.deadline)
        late = self.rng.random() < LATE_SHARE if late is None else late
        work_days = (
            limit + self.rng.randint(1, 4) if late else self.rng.randint(max(1, limit // 3), max(1, limit))
        )
        resolve_on = self.working_day_after(raised_on, work_days)
        start_on = max(accept_on, raised_on)
        case = s.case_start(case=case, by=owner, on=start_on)
        self.satisfy_mode(case, owner, head, raised_on, resolve_on)
        if resolve_on is None:
            return case
        evaluation = {}
        if suggestion:
            value, reason = self.rng.choice(SUGGESTION_EVALUATIONS)
            evaluation = {"evaluation": value, "evaluation_reason": reason}
        case = s.case_resolve(
            case=case,
            by=owner,
            resolution=RESOLUTIONS.get(category, "已办结并答复客户"),
            on=resolve_on,
            **evaluation,
        )
        visit_on = self.working_day_after(resolve_on, 1)
        if visit_on is None:
            return case
        dissatisfied = self.rng.random() < DISSATISFIED_SHARE if dissatisfied is None else dissatisfied
        if dissatisfied:
            case = s.case_return_visit(
                case=case,
                by=head,
                satisfaction=Satisfaction.DISSATISFIED,
                comment="问题反复出现，希望彻底解决",
                on=visit_on,
            )
            again = self.working_day_after(visit_on, self.rng.randint(2, 5))
            if again is None:
                return case
            self.satisfy_mode(case, owner, head, visit_on, again)
            case = s.case_resolve(
                case=case,
                by=owner,
                resolution="重新办理：" + RESOLUTIONS.get(category, "已办结"),
                on=again,
                **evaluation,
            )
            visit_on = self.working_day_after(again, 1)
            if visit_on is None:
                return case
        satisfaction = Satisfaction.SATISFIED if self.rng.random() < 0.85 else Satisfaction.BASIC
        case = s.case_return_visit(case=case, by=head, satisfaction=satisfaction, on=visit_on)
        for follow_up in case.follow_ups.filter(due_on__lte=self.ctx.end):
            s.follow_up_record(follow_up=follow_up, by=owner, note="回访了解，情况稳定", on=follow_up.due_on)
        if self.rng.random() < 0.75 and not case.follow_ups.filter(done_on__isnull=True).exists():
            archive_on = self.working_day_after(visit_on, self.rng.randint(1, 5))
            if archive_on:
                case = s.case_archive(case=case, by=owner, on=archive_on)
        return case

    def satisfy_mode(self, case, owner, head, since, until):
        """Do what the case's mode asks before resolving, dated between `since` and `until`."""
        rule = case.mode.code
        first = self.working_day_after(since, 1) or since
        if until is not None:
            first = min(first, until)
        if rule == "proactive":
            s.case_record_contact(
                case=case, by=owner, kind=ContactKind.PHONE, on=first, note="电话了解详细情况"
            )
        elif rule == "on_site":
            s.case_record_contact(case=case, by=owner, kind=ContactKind.ON_SITE, on=first, note="上门查看")
        elif rule == "public" and not case.events.filter(public=True).exists():
            s.case_add_note(
                case=case, by=owner, text="已受理，正在核实处理，办理结果将在此公布", public=True, on=first
            )
        elif rule == "multi_party" and not case.casepartner_set.exists():
            partner = s.partner_create(
                bureau=self.county, by=owner, name="钟山县乡镇人民政府", kind="乡镇政府"
            )
            s.case_add_partner(
                case=case, by=owner, partner=partner, contribution="协调村委落实相关事项", on=first
            )
        elif rule == "centralised" and case.batch_id is None:
            s.batch_add_case(batch=self.batch_for(case), case=case, by=head, on=since)

    def batch_for(self, case):
        """One batch per two months, for prominent problems raised by many."""
        key = (case.raised_on.year, (case.raised_on.month - 1) // 2)
        batches = self.ctx.data.setdefault("batches", {})
        if key not in batches:
            head = self.heads["客户服务站"]
            deadline = self.working_day_after(case.raised_on, 15)
            deadline = deadline or self.calendar.previous_working_day(self.ctx.end)
            batches[key] = s.batch_create(
                bureau=self.county,
                by=head,
                title=f"{case.raised_on:%Y年%m月}突出问题集中办",
                deadline=max(deadline, case.raised_on + datetime.timedelta(days=1)),
                owner=head,
                on=case.raised_on,
            )
        return batches[key]

    # -- the report's figures --
    def cases(self):
        weights = list(MODE_WEIGHTS.values())
        for index in range(OTHER_CASES + SUGGESTIONS):
            suggestion = index < SUGGESTIONS
            farmer_side = self.rng.random() < 0.55
            if farmer_side:
                household = self.rng.choice(self.farmers)
                category, concern, ask, text = self.rng.choice(FARMER_ITEMS)
                team, head = self.leaf, self.heads["烟叶站"]
            else:
                household = self.rng.choice(self.retailers)
                category, concern, ask, text = self.rng.choice(RETAILER_ITEMS)
                team, head = (
                    (self.monopoly, self.heads["专卖股"])
                    if category in ("licence", "market")
                    else (self.customer, self.heads["客户服务站"])
                )
            if suggestion:
                place = household.village.name if household.village else household.township.name
                text, ask, concern = self.rng.choice(SUGGESTION_TEXTS).format(place=place), "suggestion", ""
            mode_code = self.rng.choices(list(MODE_WEIGHTS), weights=weights)[0]
            owner = self.rng.choice([p for p in team if p.rank != Rank.DEPT_HEAD])
            if mode_code == "proactive":
                owner = self.rng.choice([head, *self.leaders])
            source = self.rng.choices(["visit", "phone", "portal", "meeting"], weights=[60, 20, 10, 10])[0]
            self.run_case(
                household=household,
                category=category,
                concern=concern,
                ask=ask,
                description=text,
                mode_code=mode_code,
                source=source,
                raised_on=self.day_in_period(),
                owner=owner,
                head=head,
                suggestion=suggestion,
            )

    def telecom_case(self):
        """客户服务站 solved retailers' ordering difficulties together with the telecom operator."""
        head = self.heads["客户服务站"]
        owner = next(p for p in self.customer if p.rank == Rank.KEY_STAFF)
        rural = [h for h in self.retailers if h.market_type == "rural"]
        raised = self.ctx.start + datetime.timedelta(days=min(40, (self.ctx.end - self.ctx.start).days // 4))
        while not self.calendar.is_workday(raised):
            raised += datetime.timedelta(days=1)
        case = s.case_register(
            bureau=self.county,
            by=owner,
            title="乡镇零售户网上订货难",
            description="多个乡镇零售户反映：店里网络信号差、宽带不稳定，网上订货经常登录不上，错过订货时段。",
            ask_kind="need",
            concern_kind="difficulty",
            source="visit",
            category=self.categories["ordering"],
            household=self.rng.choice(rural),
            mode=self.modes["multi_party"],
            raised_on=raised,
        )
        case = s.case_accept(case=case, by=head, on=raised)
        case = s.case_assign(case=case, by=head, owner=owner, on=raised, notify=False)
        case = s.case_start(case=case, by=owner, on=raised)
        telecom = s.partner_create(
            bureau=self.county, by=owner, name="中国电信钟山分公司", kind="电信运营商", contact="政企客户部"
        )
        s.case_add_partner(
            case=case,
            by=owner,
            partner=telecom,
            on=self.working_day_after(raised, 3),
            contribution="为偏远乡镇零售户升级宽带、开通订货专用线路，并提供上门调试",
        )
        s.case_add_note(
            case=case,
            by=owner,
            text="与电信公司召开协调会，确定分批改造名单",
            on=self.working_day_after(raised, 5),
        )
        done = self.working_day_after(raised, 18)
        case = s.case_resolve(
            case=case,
            by=owner,
            on=done,
            resolution="与电信部门沟通协调，为37户偏远乡镇零售户改造网络，订货难问题得到解决",
        )
        s.case_return_visit(
            case=case,
            by=head,
            satisfaction=Satisfaction.SATISFIED,
            comment="现在订货很顺畅",
            on=self.working_day_after(done, 1),
        )
        beneficiaries = self.rng.sample(rural, 37)
        s.deed_record(
            bureau=self.county,
            by=owner,
            kind=self.deed_kinds["ordering"],
            quantity=37,
            on=done,
            description="与电信部门沟通解决部分客户订货难问题",
            department=head.department,
            households=beneficiaries,
            cases=[case],
            public=True,
        )
        self.ctx.data["telecom_case"] = case

    def deeds(self):
        land, cabinets = self.deed_kinds["land"], self.deed_kinds["cabinets"]
        leaf_head, customer_head = self.heads["烟叶站"], self.heads["客户服务站"]
        villages = self.ctx.data["contact_villages"]
        assert sum(LAND_MU) == 800 and sum(CABINETS) == 385
        for index, mu in enumerate(LAND_MU):
            village = self.renli if index == 0 else villages[index % len(villages)]
            s.deed_record(
                bureau=self.county,
                by=leaf_head,
                kind=land,
                quantity=mu,
                on=self.day_in_period(20),
                description=f"协调{village.name}落实种烟用地和烤房建设用地{mu}亩",
                department=leaf_head.department,
                township=village.parent,
                public=True,
            )
        for index, count in enumerate(CABINETS):
            on = self.ctx.start + (self.ctx.end - self.ctx.start) * (index + 1) / (len(CABINETS) + 1)
            s.deed_record(
                bureau=self.county,
                by=customer_head,
                kind=cabinets,
                quantity=count,
                on=on,
                description=f"联系制造商设计制作物美价廉的统一卷烟展示柜，第{index + 1}批配送{count}个",
                department=customer_head.department,
                households=self.rng.sample(self.retailers, count),
            )

    def renewals(self):
        """专卖股 renews the cohort's licences at the retailers' doors: 206 on the spot."""
        head = self.heads["专卖股"]
        numbers = self.ctx.data.get("renewal_cohort", [])
        by_month: dict[tuple[int, int], list] = {}
        for licence in (
            RetailLicence.objects.filter(number__in=numbers).select_related("household").order_by("number")
        ):
            applied = licence.valid_to - datetime.timedelta(days=self.rng.randint(30, 40))
            applied = max(applied, self.ctx.start)
            officer = self.rng.choice(self.monopoly)
            new_term_to = latest_valid_to(licence.valid_to + datetime.timedelta(days=1))
            licence_renew(
                licence=licence,
                by=officer,
                applied_on=applied,
                valid_to=new_term_to,
                on_the_spot=True,
                note="老弱病残就地换证",
            )
            by_month.setdefault((applied.year, applied.month), []).append((applied, licence.household))
        kind = self.deed_kinds["licence_on_spot"]
        for (_year, _month), items in sorted(by_month.items()):
            last = max(day for day, _h in items)
            s.deed_record(
                bureau=self.county,
                by=head,
                kind=kind,
                quantity=len(items),
                on=last,
                description=f"主动上门为老弱病残及因事耽搁的零售户就地换证{len(items)}个",
                department=head.department,
                households=[h for _d, h in items],
            )
        return sum(len(items) for items in by_month.values())

    def ploughing(self):
        """Three new farming households at 仁里村, whose fields the cadres had ploughed by a hired machine."""
        township = self.renli.parent
        year = self.ctx.end.year
        newcomers = []
        for name in (self.ctx.person_name() for _ in range(PLOUGHED)):
            household = household_create(
                bureau=self.county,
                by=self.chief,
                kind="farmer",
                name=name,
                township=township,
                village=self.renli,
                address=f"{township.name}仁里村",
                note="新烟农",
            )
            contract_save(
                household=household,
                by=self.chief,
                year=year,
                area_mu=Decimal(self.rng.choice([6, 8, 10])),
                contracted_kg=None,
                variety="云烟87",
            )
            newcomers.append(household)
        on = max(self.ctx.start, self.ctx.end - datetime.timedelta(days=10))
        s.deed_record(
            bureau=self.county,
            by=self.chief,
            kind=self.deed_kinds["ploughing"],
            quantity=PLOUGHED,
            on=on,
            description="干部自发出资请来农机，帮助3户新烟农把烟田翻耕好",
            department=self.chief.department,
            households=newcomers,
            township=township,
            public=True,
        )


def build(ctx: DemoContext) -> None:
    demo = Demo(ctx)
    try:
        demo.telecom_case()
        demo.cases()
        demo.deeds()
        renewed = demo.renewals()
        demo.ploughing()
    except ValidationError as exc:  # a demo that cannot be built is a bug: say where
        raise RuntimeError(f"the demo's cases could not be built: {exc.messages}") from exc
    # What the services told people during the past months has been read; the clock's pass as of the
    # last day leaves today's reminders and supervision notices unread.
    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    result = clock_pass(today=ctx.end, send_email=False)
    # The tallies are read back from the database (the timeline for late resolutions), so they are
    # what the pages and reports will show.
    cases = Case.objects.filter(bureau=demo.county)
    late = (
        CaseEvent.objects.filter(case__bureau=demo.county, kind=EventKind.RESOLVED, on__gt=F("deadline"))
        .values("case_id")
        .distinct()
        .count()
    )
    ctx.say(
        f"  cases: {cases.count()} ({cases.suggestions().count()} suggestions), {late} resolved late, "
        f"{cases.filter(reopened__gt=0).count()} reopened, {cases.open().count()} still open; "
        f"{renewed} licences renewed on the spot; clock: {result.summary()}"
    )
