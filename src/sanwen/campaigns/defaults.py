"""The campaign vocabulary as the Zhongshan report gives it: the defaults a new campaign starts with.
Administrators edit each campaign's copy; nothing in the code depends on these names. Each term carries its
English; traditional Chinese is derived by OpenCC (core/vocabulary.py)."""

from sanwen.campaigns.models import ClosingRule, DeadlineKind, VehicleGroup
from sanwen.org.models import Rank

VEHICLES = [
    # code, name, English name, group, produces research
    ("policy", "送政策释民惑", "Bring policies, clear up doubts", VehicleGroup.SEND, False),
    ("warmth", "送温暖聚民心", "Bring warmth, win hearts", VehicleGroup.SEND, False),
    ("service", "送服务解民怨", "Bring services, resolve grievances", VehicleGroup.SEND, False),
    ("production", "抓生产经营谋发展", "Strengthen production and business", VehicleGroup.GRASP, False),
    ("grassroots", "抓基层强基础", "Strengthen the grassroots", VehicleGroup.GRASP, False),
    ("research", "抓调研出成果", "Research that yields results", VehicleGroup.GRASP, True),
]

# The report names four of the five roles; a fifth can be added per campaign.
VISIT_ROLES = [
    # code, name, English name
    ("publicist", "政策宣传员", "Policy publicist"),
    ("servant", "群众服务员", "Servant of the people"),
    ("mediator", "矛盾调解员", "Dispute mediator"),
    ("instructor", "工作指导员", "Work instructor"),
]

HANDLING_MODES = [
    # code, (name, English), (short name, English), deadline kind, days, closing rule, extra fields
    (
        "immediate",
        ("一般问题立即办", "Ordinary issues: handle at once"),
        ("立即办", "At once"),
        DeadlineKind.WORKING_DAYS,
        1,
        ClosingRule.NONE,
        {"resolvable_on_the_spot": True},
    ),
    (
        "centralised",
        ("突出问题集中办", "Pressing issues: handle together"),
        ("集中办", "Together"),
        DeadlineKind.BATCH,
        15,
        ClosingRule.IN_BATCH,
        {},
    ),
    (
        "proactive",
        ("疑难问题主动办", "Hard issues: handle proactively"),
        ("主动办", "Proactively"),
        DeadlineKind.WORKING_DAYS,
        10,
        ClosingRule.SENIOR_OWNER_FIRST_CONTACT,
        {"first_contact_days": 2},
    ),
    (
        "deadline",
        ("复杂问题限期办", "Complex issues: handle by a deadline"),
        ("限期办", "By a deadline"),
        DeadlineKind.EXPLICIT,
        None,
        ClosingRule.EXTENSION_APPROVED,
        {},
    ),
    (
        "on_site",
        ("深入群众上门办", "Among the people: handle on site"),
        ("上门办", "On site"),
        DeadlineKind.WORKING_DAYS,
        5,
        ClosingRule.ONSITE_VISIT,
        {},
    ),
    (
        "multi_party",
        ("多方合作积极办", "With partners: handle actively"),
        ("合作办", "With partners"),
        DeadlineKind.WORKING_DAYS,
        30,
        ClosingRule.PARTNER,
        {},
    ),
    (
        "public",
        ("阳光操作公开办", "In the open: handle publicly"),
        ("公开办", "In public"),
        DeadlineKind.WORKING_DAYS,
        10,
        ClosingRule.PUBLIC_BOARD,
        {},
    ),
    (
        "tracked",
        ("创新方式跟踪办", "New ways: handle with follow-ups"),
        ("跟踪办", "Followed up"),
        DeadlineKind.WORKING_DAYS,
        10,
        ClosingRule.FOLLOW_UPS,
        {"follow_up_days": [7, 30, 90]},
    ),
]

QUOTAS = {
    Rank.LEADER: 8,
    Rank.DEPT_HEAD: 13,
    Rank.KEY_STAFF: 18,
    Rank.STAFF: 18,
}

REVIEW_DIMENSIONS = [
    # code, name, English name
    ("role", "作用发挥情况", "The part played"),
    ("achievements", "工作成绩", "Achievements"),
    ("commitments", "承诺践诺情况", "Commitments made and kept"),
    ("shortcomings", "存在的不足和问题", "Shortcomings and problems"),
    ("direction", "今后努力的方向", "Where to improve next"),
]

PROHIBITIONS = [
    # code, name, English name
    ("favouritism", "不准优亲厚友", "No favours to relatives and friends"),
    ("burden", "不准增加负担", "No extra burden on clients"),
    ("gifts", "不准收受馈赠", "No gifts accepted"),
    ("entertainment", "不准娱乐消费", "No entertainment at clients' expense"),
    ("personal_gain", "不准借机徇私", "No personal gain from the work"),
]

ZERO_TARGETS = [
    # code, (name, English), (what is counted, English)
    (
        "delay",
        ("工作时限零延误", "Zero delay in time limits"),
        ("办结超时或逾期未办结的事项", "Cases resolved late, or overdue and not resolved"),
    ),
    (
        "omission",
        ("工作程序零疏忽", "Zero omission in procedure"),
        (
            "跳过必经程序的已办结事项：1个工作日内未受理、未回访、未满足办理方式规则",
            "Resolved cases that skipped a required step: not accepted within 1 working day, "
            "no return visit, or the handling mode's rule not met",
        ),
    ),
    (
        "error",
        ("工作质量零差错", "Zero error in quality"),
        ("重办或评价为不满意的事项", "Cases redone or rated dissatisfied"),
    ),
    (
        "lapse",
        ("履行职责零失误", "Zero lapse in duty"),
        (
            "到点天数未达标的月份和逾期未践行的承诺",
            "Months below the on-site day quota, and overdue commitments",
        ),
    ),
    (
        "distance",
        ("干群接触零距离", "Zero distance from the people"),
        (
            "责任区内本期未走访的农户（及走访覆盖率）",
            "Households in the area of responsibility not visited in the period (and the coverage)",
        ),
    ),
    (
        "breach",
        ("组织纪律零违犯", "Zero breach of discipline"),
        ("查实的违反“五不准”问题", "Confirmed breaches of the five prohibitions"),
    ),
]

CASE_CATEGORIES = [
    # code, name, English name
    ("ordering", "订货与配送", "Ordering and delivery"),
    ("policy", "政策咨询", "Policy questions"),
    ("technique", "生产技术", "Growing techniques"),
    ("land", "种烟用地", "Land for tobacco"),
    ("barns", "烤房建设", "Curing barns"),
    ("funds", "资金困难", "Money difficulties"),
    ("licence", "许可证办理", "Licences"),
    ("purchase", "烟叶收购", "Leaf purchasing"),
    ("service", "服务态度与作风", "Service attitude and conduct"),
    ("market", "市场秩序", "Market order"),
    ("other", "其他", "Other"),
]

DEED_KINDS = [
    # code, (name, English), (unit, English), usual vehicle
    (
        "land",
        ("落实种烟用地和烤房建设用地", "Land secured for tobacco and curing barns"),
        ("亩", "mu"),
        "production",
    ),
    ("cabinets", ("配送统一卷烟展示柜", "Standard display cabinets supplied"), ("个", "cabinets"), "service"),
    ("licence_on_spot", ("上门就地换证", "Licences renewed at the door"), ("个", "licences"), "service"),
    (
        "ploughing",
        ("出资请农机帮新烟农翻耕", "Ploughing paid for new growers"),
        ("户", "households"),
        "warmth",
    ),
    ("ordering", ("解决客户订货难", "Ordering difficulties solved"), ("户", "households"), "service"),
    ("training", ("烟叶生产技术培训", "Leaf-growing training"), ("次", "sessions"), "production"),
    ("policy_talk", ("政策宣讲", "Policy talks"), ("次", "sessions"), "policy"),
    ("relief", ("走访慰问困难户", "Visits to households in hardship"), ("户", "households"), "warmth"),
]
