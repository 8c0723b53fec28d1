"""Existing departments get their names in three languages: simplified copied from the original column,
traditional by OpenCC, English for the demo county's department names (a frozen copy of org/demo.py's)."""

from django.db import migrations
from opencc import OpenCC

ENGLISH = {'局领导班子': 'Bureau leadership',
 '办公室': 'General office',
 '政工股': 'Personnel section',
 '财务股': 'Finance section',
 '纪检监察室': 'Discipline inspection office',
 '烟叶站': 'Tobacco leaf station',
 '客户服务站': 'Customer service station',
 '专卖股': 'Monopoly section'}


def fill(apps, schema_editor):
    s2t = OpenCC("s2t")
    Department = apps.get_model("org", "Department")
    rows = list(Department.objects.all())
    for row in rows:
        row.name_zh_hans = row.name_zh_hans or row.name
        row.name_zh_hant = row.name_zh_hant or s2t.convert(row.name)
        row.name_en = row.name_en or ENGLISH.get(row.name)
    Department.objects.bulk_update(rows, ["name_zh_hans", "name_zh_hant", "name_en"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("org", "0005_translated_department_names")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
