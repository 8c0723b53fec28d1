"""Ledger books (民情台账) and work notebooks (工作笔记): derived views of the records, each read with a
fixed number of queries however large the book or the month."""

import datetime
from collections import defaultdict

from django.db.models import Q

from sanwen.cases.models import OPEN_STATES, Case, Satisfaction, State
from sanwen.clients.models import Household
from sanwen.fieldwork.models import (
    FieldDay,
    LedgerBook,
    LedgerScope,
    NotebookReview,
    Visit,
    VisitHousehold,
    VisitStaff,
    month_end,
    month_start,
)
from sanwen.org.models import ContactPoint, Place, PlaceLevel

STATES = dict(State.choices)
SATISFACTIONS = dict(Satisfaction.choices)


def _of_place(households, place_id):
    """The households of a township (by their township) or of a village (by their village): one
    condition, which the (bureau, township, village) and village indexes serve, where "village or
    township" read every household of the bureau on SQLite (20 ms for a county of 100,000)."""
    level = Place.objects.filter(pk=place_id).values_list("level", flat=True).first()
    if level == PlaceLevel.TOWNSHIP:
        return households.filter(township_id=place_id)
    return households.filter(village_id=place_id)


def book_households(book: LedgerBook):
    """The households the book covers, as a queryset (new households of its area join it at once)."""
    households = Household.objects.filter(bureau_id=book.bureau_id)
    if book.scope == LedgerScope.CONTACT_POINT:
        return _of_place(households, book.contact_point.village_id)
    if book.scope == LedgerScope.VILLAGE:
        return _of_place(households, book.village_id)
    visited = VisitHousehold.objects.filter(visit__staff_links__staff_id=book.staff_id).values("household_id")
    areas = ContactPoint.objects.filter(staff_id=book.staff_id, until__isnull=True).values("village_id")
    return households.filter(Q(pk__in=visited) | Q(village_id__in=areas))


def household_records(household_ids: list[int], *, start=None, end=None) -> dict[int, dict]:
    """For each household: its visits (date, channel, staff, diary) and its cases with their outcome.
    Three queries whatever the number of households or visits."""
    links = VisitHousehold.objects.filter(household_id__in=household_ids)
    cases = Case.objects.filter(household_id__in=household_ids).exclude(state="merged")
    if start:
        links, cases = links.filter(on__gte=start), cases.filter(raised_on__gte=start)
    if end:
        links, cases = links.filter(on__lte=end), cases.filter(raised_on__lte=end)
    visit_rows = list(
        links.order_by("household_id", "on", "visit_id").values_list(
            "household_id", "visit_id", "on", "visit__channel", "visit__diary"
        )
    )
    names = defaultdict(list)
    for visit_id, name in (
        VisitStaff.objects.filter(visit_id__in=links.values("visit_id"))
        .order_by("visit_id", "id")
        .values_list("visit_id", "staff__name")
    ):
        names[visit_id].append(name)
    records: dict[int, dict] = {pk: {"visits": [], "cases": []} for pk in household_ids}
    for household_id, visit_id, on, channel, diary in visit_rows:
        records[household_id]["visits"].append(
            {
                "id": visit_id,
                "on": on,
                "channel": channel,
                "diary": diary,
                "staff": "、".join(names[visit_id]),
            }
        )
    for row in cases.order_by("household_id", "raised_on", "id").values(
        "id",
        "household_id",
        "year",
        "sequence",
        "title",
        "state",
        "raised_on",
        "resolved_on",
        "resolution",
        "satisfaction",
        "ask_kind",
        "deadline",
        "owner__name",
    ):
        row["number"] = f"{row['year']}-{row['sequence']:05d}"
        row["state_display"] = STATES.get(row["state"], row["state"])
        row["satisfaction_display"] = SATISFACTIONS.get(row["satisfaction"], "")
        records[row["household_id"]]["cases"].append(row)
    return records


def notebook(staff, month: datetime.date) -> dict:
    """One person's month: field days, visits with their diary and households, cases handled, reviews."""
    first, last = month_start(month), month_end(month)
    field_days = list(
        FieldDay.objects.filter(staff=staff, on__gte=first, on__lte=last)
        .select_related("village")
        .order_by("on")
    )
    visits = list(
        Visit.objects.filter(staff_links__staff=staff, on__gte=first, on__lte=last)
        .select_related("village")
        .prefetch_related("households", "staff", "vehicles", "roles", "cases")
        .order_by("on", "id")
    )
    handled = list(
        Case.objects.filter(Q(owner=staff) | Q(raised_by=staff))
        .filter(
            Q(raised_on__range=(first, last))
            | Q(resolved_on__range=(first, last))
            | Q(raised_on__lte=last, state__in=OPEN_STATES)
        )
        .select_related("household", "mode")
        .order_by("raised_on", "id")
    )
    reviews = list(NotebookReview.objects.filter(staff=staff, month=first).select_related("reviewer"))
    return {
        "first": first,
        "last": last,
        "field_days": field_days,
        "visits": visits,
        "cases": handled,
        "reviews": reviews,
        "households_visited": VisitHousehold.objects.filter(
            visit__staff_links__staff=staff, on__gte=first, on__lte=last
        ).count(),
    }
