"""The demo county's accountability: commitments for most staff with a realistic spread (most kept,
some partly or not, a few past due), one gift declared and returned, one public report investigated
and found unsubstantiated, and draft assessments of the campaign's first year."""

import datetime

from django.db.models import Count, Q

from sanwen.accountability import services
from sanwen.accountability.models import Assessment, Commitment, CommitmentState
from sanwen.campaigns.models import Prohibition
from sanwen.core.access import Role
from sanwen.core.demo import DemoContext

PROMISES = (
    "每月走访联系点烟农不少于{n}户，做到户户见面",
    "{n}个工作日内答复零售户反映的订货问题",
    "帮助联系点解决烤房建设用地困难",
    "为行动不便的零售户上门办理许可证延续",
    "每季度召开一次烟农座谈会，收集意见建议",
    "协调通信公司解决偏远零售户网上订货信号差的问题",
    "指导新植烟户做好育苗和移栽，确保不误农时",
    "配合做好卷烟展示柜统一配送和安装",
)
DEPARTMENT_PROMISES = {
    "客户服务站": "零售户订货问题当天受理、{n}个工作日内办结",
    "烟叶站": "烟叶收购期间做到公平定级、现场答疑",
    "专卖股": "许可证延续办理做到一次办好、上门服务",
}


def _later(day: datetime.date, days: int, end: datetime.date) -> datetime.date:
    return min(day + datetime.timedelta(days=days), end + datetime.timedelta(days=90))


def build(ctx: DemoContext) -> None:
    rng, start, end = ctx.rng, ctx.start, ctx.end
    county, staff = ctx.data["county"], ctx.data["staff"]
    chief = ctx.data["chief"]
    departments = ctx.data["departments"]
    heads = {p.department_id: p for p in staff if p.role == Role.DEPT_HEAD}
    cadres = [p for p in staff if p.role != Role.ADMIN]
    span = (end - start).days
    for person in cadres:
        if rng.random() < 0.12:  # a few have made no commitment yet
            continue
        for _ in range(rng.choice((1, 2, 2, 3))):
            made_on = start + datetime.timedelta(days=rng.randrange(0, max(span - 20, 1)))
            due_on = _later(made_on, rng.choice((30, 45, 60, 90)), end)
            text = rng.choice(PROMISES).format(n=rng.choice((5, 10, 15)))
            commitment = services.commitment_make(
                by=None, staff=person, text=text, due_on=due_on, made_on=made_on
            )
            if due_on >= end:
                continue
            roll = rng.random()
            if roll < 0.08:
                continue  # past due: the owner and the head are told
            state = "kept" if roll < 0.78 else "partly" if roll < 0.93 else "not_kept"
            judge = (
                chief
                if person.role in (Role.LEADER, Role.DEPT_HEAD)
                else heads.get(person.department_id, chief)
            )
            if judge.pk == person.pk:
                judge = (
                    chief
                    if person.pk != chief.pk
                    else next(p for p in staff if p.role == Role.LEADER and p.pk != chief.pk)
                )
            evidence = {
                "kept": "已按期完成，见走访记录和台账",
                "partly": "完成大部分，剩余部分已列入下月计划",
                "not_kept": "因客观原因未能按期完成，已说明情况",
            }[state]
            services.commitment_judge(
                commitment=commitment,
                by=judge,
                state=state,
                evidence=evidence,
                on=min(due_on + datetime.timedelta(days=2), end),
            )
    for name, text in DEPARTMENT_PROMISES.items():
        if name in departments:
            services.commitment_make(
                by=None,
                department=departments[name],
                text=text.format(n=5),
                due_on=_later(start, 120, end),
                made_on=start + datetime.timedelta(days=5),
            )
    # One gift, declared and returned.
    giver_day = start + datetime.timedelta(days=span // 3)
    receiver = next(
        p for p in staff if p.role == Role.STAFF and p.department_id == departments["客户服务站"].pk
    )
    gift = services.gift_declare(
        by=receiver,
        what="土特产（腊肉两块）",
        giver="某零售户（春节前送至办公室）",
        value="150",
        received_on=giver_day,
        declared_on=giver_day,
        note="当场推辞未果，先行申报",
    )
    services.gift_handle(
        gift=gift,
        by=receiver,
        handling="returned",
        handled_on=giver_day + datetime.timedelta(days=1),
        note="已上门退还",
    )
    # One report from the public, investigated and found unsubstantiated.
    inspector = next(p for p in staff if p.username == "inspector")
    report_day = start + datetime.timedelta(days=span // 2)
    report = services.report_public(
        bureau=county,
        prohibition=Prohibition.objects.get(campaign=ctx.data["campaign"], code="favouritism"),
        description="听说烟叶站给亲戚家的烟叶定级偏高，收购时优先过磅，希望查一查。",
        accused_text="烟叶站收购点工作人员",
        anonymous=True,
        on=report_day,
    )
    report = services.report_investigate(
        report=report, by=inspector, on=report_day + datetime.timedelta(days=1)
    )
    services.report_note(report=report, by=inspector, text="调取收购点定级记录和过磅顺序记录，约谈相关人员。")
    services.report_conclude(
        report=report,
        by=inspector,
        substantiated=False,
        findings="经核查定级记录、复检样品和过磅排队记录，未发现优亲厚友问题，所反映情况不属实。",
        actions="",
        on=report_day + datetime.timedelta(days=9),
    )
    # Draft assessments of the campaign's first year, with the evidence drawn from the records.
    year = start.year
    for done, person in enumerate(cadres):
        assessor = chief if person.pk == inspector.pk else inspector
        services.assessment_start(staff=person, year=year, by=assessor, today=end)
        ctx.progress("assessments", done + 1, len(cadres))
    # The tally is read back from the database (the department commitments included), so the parts
    # add up to the total the line prints.
    tally = Commitment.objects.filter(bureau=county).aggregate(
        total=Count("pk"), **{state: Count("pk", filter=Q(state=state)) for state in CommitmentState.values}
    )
    ctx.say(
        f"  accountability: {tally['total']} commitments "
        f"({tally['kept']} kept, {tally['partly']} partly, {tally['not_kept']} not kept, {tally['open']} open), "
        f"1 gift returned, 1 public report found unsubstantiated, "
        f"{Assessment.objects.filter(bureau=county, year=year).count()} draft assessments for {year}"
    )
