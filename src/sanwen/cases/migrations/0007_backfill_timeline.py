"""Backfill the timeline's day and time limit, the limits counted in working days, the follow-ups'
planned days, and the on-site contact of cases raised during a face-to-face visit.

Events recorded before this migration get the case's present time limit: the history of limits
before it is not known (a reopened case's earlier resolutions are judged against its present limit)."""

import datetime

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import TruncDate

OPEN_STATES = ("registered", "accepted", "assigned", "in_progress")


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseContact = apps.get_model("cases", "CaseContact")
    FollowUp = apps.get_model("cases", "FollowUp")
    CaseEvent.objects.filter(on__isnull=True).update(on=TruncDate("at"))
    CaseEvent.objects.filter(deadline__isnull=True).update(
        deadline=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("deadline")[:1])
    )
    FollowUp.objects.filter(planned_on__isnull=True).update(planned_on=F("due_on"))
    # A resolution's return visit due: the case's where it is the case's resolution still in force,
    # else the next weekday (the calendar of the day is not at hand here).
    resolutions = CaseEvent.objects.filter(kind="resolved", due_on__isnull=True).select_related("case")
    batch = []
    for event in resolutions.iterator(chunk_size=2000):
        due = event.case.return_visit_due if event.case.resolved_on == event.on else None
        if due is None:
            due = event.on + datetime.timedelta(days=1)
            while due.weekday() >= 5:
                due += datetime.timedelta(days=1)
        event.due_on = due
        batch.append(event)
        if len(batch) >= 2000:
            CaseEvent.objects.bulk_update(batch, ["due_on"])
            batch = []
    CaseEvent.objects.bulk_update(batch, ["due_on"])
    open_cases = (
        Case.objects.filter(state__in=OPEN_STATES, mode__deadline_kind="working_days", deadline__isnull=False)
        .exclude(extensions__state="approved")
        .select_related("mode")
    )
    for case in open_cases.iterator(chunk_size=1000):
        reopened = (
            CaseEvent.objects.filter(case_id=case.pk, kind="reopened")
            .order_by("-at", "-id")
            .values_list("on", flat=True)
            .first()
        )
        Case.objects.filter(pk=case.pk).update(
            limit_from=reopened or case.raised_on, limit_days=case.mode.time_limit_days or 1
        )
    raised_face_to_face = Case.objects.filter(visit__channel="face", on_site_visit_on__isnull=True)
    contacts = [
        CaseContact(case_id=pk, kind="on_site", on=raised_on, by_id=by_id, note="Raised during the visit")
        for pk, raised_on, by_id in raised_face_to_face.values_list("pk", "raised_on", "raised_by_id")
    ]
    CaseContact.objects.bulk_create(contacts, batch_size=1000)
    raised_face_to_face.update(on_site_visit_on=F("raised_on"))
    Case.objects.filter(visit__isnull=False, first_contact_on__isnull=True).update(
        first_contact_on=F("raised_on")
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_event_day_and_limit"), ("fieldwork", "0003_visit_day")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
