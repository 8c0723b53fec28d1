from django.db import migrations, models


def fill_accept_due(apps, schema_editor):
    """One UPDATE per registration day: the next working day after it (unknown years stay empty)."""
    from sanwen.core.calendar import UnknownYear, WorkingCalendar

    Case = apps.get_model("cases", "Case")
    calendar = WorkingCalendar.load()
    for day in Case.objects.order_by().values_list("raised_on", flat=True).distinct():
        try:
            due = calendar.add_working_days(day, 1)
        except UnknownYear:
            continue
        Case.objects.filter(raised_on=day).update(accept_due=due)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_portal"), ("core", "0007_commitment_notice")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="accept_due",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="acceptance due"),
        ),
        migrations.RunPython(fill_accept_due, migrations.RunPython.noop),
    ]
