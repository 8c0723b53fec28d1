from django.db import migrations, models

import sanwen.core.codes


def fill_card_codes(apps, schema_editor):
    Staff = apps.get_model("org", "Staff")
    taken = set()
    for staff in Staff.objects.filter(card_code__isnull=True).only("pk"):
        code = sanwen.core.codes.new_card_code()
        while code in taken:
            code = sanwen.core.codes.new_card_code()
        taken.add(code)
        Staff.objects.filter(pk=staff.pk).update(card_code=code)


class Migration(migrations.Migration):
    dependencies = [("org", "0002_department_supervisor_staff_alerts_read_at")]

    operations = [
        migrations.AddField(
            model_name="staff",
            name="card_code",
            field=models.CharField(blank=True, max_length=10, null=True, verbose_name="visit card code"),
        ),
        migrations.RunPython(fill_card_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="staff",
            name="card_code",
            field=models.CharField(
                blank=True,
                default=sanwen.core.codes.new_card_code,
                max_length=10,
                null=True,
                unique=True,
                verbose_name="visit card code",
            ),
        ),
    ]
