"""Existing campaigns get their terms in three languages: simplified copied from the original column,
traditional by OpenCC, English where the term is still the default's (an administrator's own wording gets none
and shows the simplified term until someone writes one). A frozen copy of campaigns/defaults.py's English."""

from django.db import migrations
from opencc import OpenCC

# (model, field) -> {(code, default simplified term): English}
ENGLISH = {('vehicle', 'name'): {('policy', '送政策释民惑'): 'Bring policies, clear up doubts',
                       ('warmth', '送温暖聚民心'): 'Bring warmth, win hearts',
                       ('service', '送服务解民怨'): 'Bring services, resolve grievances',
                       ('production', '抓生产经营谋发展'): 'Strengthen production and business',
                       ('grassroots', '抓基层强基础'): 'Strengthen the grassroots',
                       ('research', '抓调研出成果'): 'Research that yields results'},
 ('visitrole', 'name'): {('publicist', '政策宣传员'): 'Policy publicist',
                         ('servant', '群众服务员'): 'Servant of the people',
                         ('mediator', '矛盾调解员'): 'Dispute mediator',
                         ('instructor', '工作指导员'): 'Work instructor'},
 ('handlingmode', 'name'): {('immediate', '一般问题立即办'): 'Ordinary issues: handle at once',
                            ('centralised', '突出问题集中办'): 'Pressing issues: handle together',
                            ('proactive', '疑难问题主动办'): 'Hard issues: handle proactively',
                            ('deadline', '复杂问题限期办'): 'Complex issues: handle by a deadline',
                            ('on_site', '深入群众上门办'): 'Among the people: handle on site',
                            ('multi_party', '多方合作积极办'): 'With partners: handle actively',
                            ('public', '阳光操作公开办'): 'In the open: handle publicly',
                            ('tracked', '创新方式跟踪办'): 'New ways: handle with follow-ups'},
 ('handlingmode', 'short_name'): {('immediate', '立即办'): 'At once',
                                  ('centralised', '集中办'): 'Together',
                                  ('proactive', '主动办'): 'Proactively',
                                  ('deadline', '限期办'): 'By a deadline',
                                  ('on_site', '上门办'): 'On site',
                                  ('multi_party', '合作办'): 'With partners',
                                  ('public', '公开办'): 'In public',
                                  ('tracked', '跟踪办'): 'Followed up'},
 ('reviewdimension', 'name'): {('role', '作用发挥情况'): 'The part played',
                               ('achievements', '工作成绩'): 'Achievements',
                               ('commitments', '承诺践诺情况'): 'Commitments made and kept',
                               ('shortcomings', '存在的不足和问题'): 'Shortcomings and problems',
                               ('direction', '今后努力的方向'): 'Where to improve next'},
 ('prohibition', 'name'): {('favouritism', '不准优亲厚友'): 'No favours to relatives and friends',
                           ('burden', '不准增加负担'): 'No extra burden on clients',
                           ('gifts', '不准收受馈赠'): 'No gifts accepted',
                           ('entertainment', '不准娱乐消费'): "No entertainment at clients' expense",
                           ('personal_gain', '不准借机徇私'): 'No personal gain from the work'},
 ('zerotarget', 'name'): {('delay', '工作时限零延误'): 'Zero delay in time limits',
                          ('omission', '工作程序零疏忽'): 'Zero omission in procedure',
                          ('error', '工作质量零差错'): 'Zero error in quality',
                          ('lapse', '履行职责零失误'): 'Zero lapse in duty',
                          ('distance', '干群接触零距离'): 'Zero distance from the people',
                          ('breach', '组织纪律零违犯'): 'Zero breach of discipline'},
 ('zerotarget', 'description'): {('delay', '办结超时或逾期未办结的事项'): 'Cases resolved late, or overdue and not '
                                                             'resolved',
                                 ('omission', '跳过必经程序的已办结事项：1个工作日内未受理、未回访、未满足办理方式规则'): 'Resolved cases that '
                                                                                       'skipped a required '
                                                                                       'step: not accepted '
                                                                                       'within 1 working '
                                                                                       'day, no return '
                                                                                       'visit, or the '
                                                                                       "handling mode's rule "
                                                                                       'not met',
                                 ('error', '重办或评价为不满意的事项'): 'Cases redone or rated dissatisfied',
                                 ('lapse', '到点天数未达标的月份和逾期未践行的承诺'): 'Months below the on-site day quota, and '
                                                                   'overdue commitments',
                                 ('distance', '责任区内本期未走访的农户（及走访覆盖率）'): 'Households in the area of '
                                                                       'responsibility not visited in the '
                                                                       'period (and the coverage)',
                                 ('breach', '查实的违反“五不准”问题'): 'Confirmed breaches of the five prohibitions'},
 ('casecategory', 'name'): {('ordering', '订货与配送'): 'Ordering and delivery',
                            ('policy', '政策咨询'): 'Policy questions',
                            ('technique', '生产技术'): 'Growing techniques',
                            ('land', '种烟用地'): 'Land for tobacco',
                            ('barns', '烤房建设'): 'Curing barns',
                            ('funds', '资金困难'): 'Money difficulties',
                            ('licence', '许可证办理'): 'Licences',
                            ('purchase', '烟叶收购'): 'Leaf purchasing',
                            ('service', '服务态度与作风'): 'Service attitude and conduct',
                            ('market', '市场秩序'): 'Market order',
                            ('other', '其他'): 'Other'},
 ('deedkind', 'name'): {('land', '落实种烟用地和烤房建设用地'): 'Land secured for tobacco and curing barns',
                        ('cabinets', '配送统一卷烟展示柜'): 'Standard display cabinets supplied',
                        ('licence_on_spot', '上门就地换证'): 'Licences renewed at the door',
                        ('ploughing', '出资请农机帮新烟农翻耕'): 'Ploughing paid for new growers',
                        ('ordering', '解决客户订货难'): 'Ordering difficulties solved',
                        ('training', '烟叶生产技术培训'): 'Leaf-growing training',
                        ('policy_talk', '政策宣讲'): 'Policy talks',
                        ('relief', '走访慰问困难户'): 'Visits to households in hardship'},
 ('deedkind', 'unit'): {('land', '亩'): 'mu',
                        ('cabinets', '个'): 'cabinets',
                        ('licence_on_spot', '个'): 'licences',
                        ('ploughing', '户'): 'households',
                        ('ordering', '户'): 'households',
                        ('training', '次'): 'sessions',
                        ('policy_talk', '次'): 'sessions',
                        ('relief', '户'): 'households'}}


def fill(apps, schema_editor):
    s2t = OpenCC("s2t")
    fields = {}
    for model, field in ENGLISH:
        fields.setdefault(model, []).append(field)
    for model_name, names in fields.items():
        model = apps.get_model("campaigns", model_name)
        rows = list(model.objects.all())
        for row in rows:
            for field in names:
                simplified = getattr(row, field) or ""
                if not getattr(row, f"{field}_zh_hans"):
                    setattr(row, f"{field}_zh_hans", simplified)
                if not getattr(row, f"{field}_zh_hant"):
                    setattr(row, f"{field}_zh_hant", s2t.convert(simplified) if simplified else None)
                if not getattr(row, f"{field}_en"):
                    setattr(row, f"{field}_en", ENGLISH[(model_name, field)].get((row.code, simplified)))
        columns = [f"{f}_{lang}" for f in names for lang in ("zh_hans", "zh_hant", "en")]
        model.objects.bulk_update(rows, columns, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0005_translated_terms")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
