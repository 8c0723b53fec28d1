"""零距离 counts face-to-face contact: rebuild the month rows from face-to-face visits and meetings
held in the household's own village (phone calls no longer count)."""

from django.db import migrations
from django.db.models import F, Q
from django.db.models.functions import TruncMonth


def forwards(apps, schema_editor):
    VisitedMonth = apps.get_model("fieldwork", "VisitedMonth")
    VisitHousehold = apps.get_model("fieldwork", "VisitHousehold")
    Meeting = apps.get_model("fieldwork", "Meeting")
    VisitedMonth.objects.all().delete()
    seen = (
        VisitHousehold.objects.filter(visit__channel="face")
        .annotate(m=TruncMonth("on"))
        .values_list("household_id", "bureau_id", "m")
        .distinct()
    )
    rows = [VisitedMonth(household_id=h, bureau_id=b, month=m) for h, b, m in seen.iterator(chunk_size=5000)]
    Attendance = Meeting.households.through
    met = (
        Attendance.objects.filter(meeting__village__isnull=False)
        .filter(
            Q(household__village_id=F("meeting__village_id"))
            | Q(household__village__parent_id=F("meeting__village_id"))
        )
        .annotate(m=TruncMonth("meeting__on"))
        .values_list("household_id", "meeting__bureau_id", "m")
        .distinct()
    )
    rows += [VisitedMonth(household_id=h, bureau_id=b, month=m) for h, b, m in met.iterator(chunk_size=5000)]
    VisitedMonth.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0003_visit_day")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
