"""The campaign vocabulary as the Zhongshan report gives it: the defaults a new campaign starts with.
Administrators edit each campaign's copy; nothing in the code depends on these names."""

from sanwen.campaigns.models import ClosingRule, DeadlineKind, VehicleGroup
from sanwen.org.models import Rank

VEHICLES = [
    # code, name, group, produces research
    ("policy", "送政策释民惑", VehicleGroup.SEND, False),
    ("warmth", "送温暖聚民心", VehicleGroup.SEND, False),
    ("service", "送服务解民怨", VehicleGroup.SEND, False),
    ("production", "抓生产经营谋发展", VehicleGroup.GRASP, False),
    ("grassroots", "抓基层强基础", VehicleGroup.GRASP, False),
    ("research", "抓调研出成果", VehicleGroup.GRASP, True),
]

# The report names four of the five roles; a fifth can be added per campaign.
VISIT_ROLES = [
    ("publicist", "政策宣传员"),
    ("servant", "群众服务员"),
    ("mediator", "矛盾调解员"),
    ("instructor", "工作指导员"),
]

HANDLING_MODES = [
    # code, name, short name, deadline kind, days, closing rule, extra fields
    (
        "immediate",
        "一般问题立即办",
        "立即办",
        DeadlineKind.WORKING_DAYS,
        1,
        ClosingRule.NONE,
        {"resolvable_on_the_spot": True},
    ),
    ("centralised", "突出问题集中办", "集中办", DeadlineKind.BATCH, 15, ClosingRule.IN_BATCH, {}),
    (
        "proactive",
        "疑难问题主动办",
        "主动办",
        DeadlineKind.WORKING_DAYS,
        10,
        ClosingRule.SENIOR_OWNER_FIRST_CONTACT,
        {"first_contact_days": 2},
    ),
    ("deadline", "复杂问题限期办", "限期办", DeadlineKind.EXPLICIT, None, ClosingRule.EXTENSION_APPROVED, {}),
    ("on_site", "深入群众上门办", "上门办", DeadlineKind.WORKING_DAYS, 5, ClosingRule.ONSITE_VISIT, {}),
    ("multi_party", "多方合作积极办", "合作办", DeadlineKind.WORKING_DAYS, 30, ClosingRule.PARTNER, {}),
    ("public", "阳光操作公开办", "公开办", DeadlineKind.WORKING_DAYS, 10, ClosingRule.PUBLIC_BOARD, {}),
    (
        "tracked",
        "创新方式跟踪办",
        "跟踪办",
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
    ("role", "作用发挥情况"),
    ("achievements", "工作成绩"),
    ("commitments", "承诺践诺情况"),
    ("shortcomings", "存在的不足和问题"),
    ("direction", "今后努力的方向"),
]

PROHIBITIONS = [
    ("favouritism", "不准优亲厚友"),
    ("burden", "不准增加负担"),
    ("gifts", "不准收受馈赠"),
    ("entertainment", "不准娱乐消费"),
    ("personal_gain", "不准借机徇私"),
]

ZERO_TARGETS = [
    ("delay", "工作时限零延误", "办结超时或逾期未办结的事项"),
    ("omission", "工作程序零疏忽", "跳过必经程序的已办结事项：1个工作日内未受理、未回访、未满足办理方式规则"),
    ("error", "工作质量零差错", "重办或评价为不满意的事项"),
    ("lapse", "履行职责零失误", "到点天数未达标的月份和逾期未践行的承诺"),
    ("distance", "干群接触零距离", "责任区内本期未走访的农户（及走访覆盖率）"),
    ("breach", "组织纪律零违犯", "查实的违反“五不准”问题"),
]

CASE_CATEGORIES = [
    ("ordering", "订货与配送"),
    ("policy", "政策咨询"),
    ("technique", "生产技术"),
    ("land", "种烟用地"),
    ("barns", "烤房建设"),
    ("funds", "资金困难"),
    ("licence", "许可证办理"),
    ("purchase", "烟叶收购"),
    ("service", "服务态度与作风"),
    ("market", "市场秩序"),
    ("other", "其他"),
]

DEED_KINDS = [
    # code, name, unit, usual vehicle
    ("land", "落实种烟用地和烤房建设用地", "亩", "production"),
    ("cabinets", "配送统一卷烟展示柜", "个", "service"),
    ("licence_on_spot", "上门就地换证", "个", "service"),
    ("ploughing", "出资请农机帮新烟农翻耕", "户", "warmth"),
    ("ordering", "解决客户订货难", "户", "service"),
    ("training", "烟叶生产技术培训", "次", "production"),
    ("policy_talk", "政策宣讲", "次", "policy"),
    ("relief", "走访慰问困难户", "户", "warmth"),
]
