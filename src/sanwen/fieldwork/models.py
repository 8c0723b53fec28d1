"""Field work: field days (到点), leave, visits with the sentiment diary (民情日志), meetings,
research topics (调研), ledger books (民情台账) and the review remarks on work notebooks (工作笔记)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sanwen.core.links import record_link
from sanwen.core.models import BureauOwnedModel


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


class FieldDaySource(models.TextChoices):
    MANUAL = "manual", _("Recorded by hand")
    VISIT = "visit", _("From a visit")
    MEETING = "meeting", _("From a meeting")


class FieldDay(BureauOwnedModel):
    """到点: a day a staff member spent on site. One row per person and date."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_days", verbose_name=_("staff")
    )
    on = models.DateField(_("date"))
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("place"),
    )
    activity = models.CharField(_("what was done"), max_length=200)
    source = models.CharField(
        _("recorded"), max_length=16, choices=FieldDaySource.choices, default=FieldDaySource.MANUAL
    )

    class Meta:
        verbose_name = _("field day")
        verbose_name_plural = _("field days (到点)")
        ordering = ["-on", "staff"]
        constraints = [models.UniqueConstraint(fields=["staff", "on"], name="fieldday_once_a_day")]
        indexes = [models.Index(fields=["bureau", "on"])]

    def __str__(self):
        return f"{self.staff} {self.on}"


class FieldMonth(models.Model):
    """A person's field days in one month (到点天数), kept by database triggers (migration 0009) as
    field days are recorded, moved or removed, whatever writes them: the quota table and 零失误 read
    one row per person and month instead of counting the month's field days."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_months", db_index=False
    )
    month = models.DateField()  # the first of the month
    days = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "month"], name="field_month_once")]

    def __str__(self):
        return f"{self.staff_id} {self.month:%Y-%m}: {self.days}"


class QuotaStamp(models.Model):
    """How many times anything behind a bureau's quota figures has changed: its people (bureau, rank,
    role, department, active), its campaigns and their quotas, its people's field-day months and
    leave. Database triggers (migration 0013) count every such write, whatever makes it; a QuotaTally
    row counts only while its generation is the bureau's."""

    # Not a foreign key: the triggers count a bureau's people leaving while the bureau itself is deleted.
    bureau_id = models.BigIntegerField(primary_key=True)
    generation = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.bureau_id}: {self.generation}"


class QuotaTally(models.Model):
    """One bureau's quota figures for one month (fieldwork.quota.quota_totals), per department
    (department_id; 0 for people without one) and in all (department_id WHOLE), as they stood at a
    generation of its QuotaStamp: the dashboard sums a province's bureaus from these instead of
    working out every person's month. Written by the first reading after a change, in the same
    statement that reads the figures and the generation (fieldwork.quota)."""

    WHOLE = -1

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # the first of the month
    department_id = models.IntegerField()  # not a foreign key: 0 and WHOLE are not departments
    generation = models.BigIntegerField()
    staff = models.IntegerField()
    required_days = models.IntegerField()
    achieved_days = models.IntegerField()
    short = models.IntegerField()
    shortfall_days = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "month", "department_id"], name="quota_tally_once")
        ]

    def __str__(self):
        return f"{self.bureau_id} {self.month:%Y-%m} {self.department_id}: {self.staff}"


class LeaveKind(models.TextChoices):
    LEAVE = "leave", _("Leave (请假)")
    TRIP = "trip", _("Business trip (出差)")


class LeaveState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Withdrawn")


class Leave(BureauOwnedModel):
    """Approved leave or a business trip lowers the month's quota by its working days."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("staff")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=LeaveKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=LeaveState.choices, default=LeaveState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave and business trips")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_end_after_start")
        ]

    def __str__(self):
        return f"{self.staff} {self.get_kind_display()} {self.start}–{self.end}"


class LeaveMonth(models.Model):
    """The working days of one leave that fall in one month: the quota table sums these in SQL."""

    leave = models.ForeignKey(Leave, on_delete=models.CASCADE, related_name="months")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first of the month
    working_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["leave", "month"], name="leavemonth_once")]
        indexes = [models.Index(fields=["staff", "month"])]

    def __str__(self):
        return f"{self.leave_id} {self.month:%Y-%m}: {self.working_days}"


class Channel(models.TextChoices):
    FACE = "face", _("Face to face")
    PHONE = "phone", _("By phone")
    AT_BUREAU = "at_bureau", _("At the bureau")


class Visit(BureauOwnedModel):
    """走访: staff visiting households, with the sentiment diary (民情日志) of what they heard."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.FACE)
    diary = models.TextField(_("sentiment diary (民情日志)"))
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("place"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="VisitStaff", related_name="visits", verbose_name=_("staff")
    )
    households = models.ManyToManyField(
        "clients.Household", through="VisitHousehold", related_name="visits", verbose_name=_("households")
    )
    vehicles = models.ManyToManyField("campaigns.Vehicle", blank=True, verbose_name=_("activity vehicles"))
    roles = models.ManyToManyField("campaigns.VisitRole", blank=True, verbose_name=_("roles played"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["bureau", "on", "id"]),  # the list's order, read from the index
            models.Index(fields=["bureau", "id"]),  # the API's cursor order (newest id first)
        ]

    def __str__(self):
        return f"{self.on} {self.diary[:20]}"

    def get_absolute_url(self):
        return record_link("visit_detail", self.pk)  # reversed once per process: a list links each row


class VisitStaff(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="staff_links")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()  # the visit's date, kept here so a person's month is one index range

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "staff"], name="visitstaff_once")]
        indexes = [models.Index(fields=["staff", "on"])]

    def __str__(self):
        return f"{self.visit_id}/{self.staff_id}"


class VisitHousehold(models.Model):
    """One household on one visit: one 户次."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="household_links")
    household = models.ForeignKey("clients.Household", on_delete=models.PROTECT, related_name="+")
    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, related_name="+")
    on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "household"], name="visithousehold_once")]
        indexes = [models.Index(fields=["household", "on"]), models.Index(fields=["bureau", "on"])]

    def __str__(self):
        return f"{self.visit_id}/{self.household_id}"


class VisitDay(models.Model):
    """A bureau's visits and 户次 of one day, counted as they are recorded: the bureau-wide totals and
    trends of the dashboard read these few rows instead of every 户次."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+")
    on = models.DateField()
    visits = models.PositiveIntegerField(default=0)
    household_visits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "on"], name="visit_day_once")]

    def __str__(self):
        return f"{self.bureau_id} {self.on}: {self.household_visits}"


class VisitedMonth(models.Model):
    """A household was met face to face in a month — a visit at its place or a meeting in its village,
    not a phone call (one row per household and month, written with each visit and meeting): what
    零距离 counts, without reading every 户次 of the period."""

    household = models.ForeignKey("clients.Household", on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "month"], name="visited_month_once")]
        indexes = [models.Index(fields=["bureau", "month"])]

    def __str__(self):
        return f"{self.household_id} {self.month:%Y-%m}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to="visits/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class MeetingKind(models.TextChoices):
    MOBILISATION = "mobilisation", _("Mobilisation meeting (动员会)")
    SEMINAR = "seminar", _("Seminar with clients (座谈会)")
    VILLAGE = "village", _("Village meeting (院坝会)")
    TRAINING = "training", _("Training (培训会)")
    WORK = "work", _("Work meeting (工作推进会)")
    OTHER = "other", _("Other meeting")


class Meeting(BureauOwnedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=100)
    on = models.DateField(_("date"))
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    place = models.CharField(_("venue"), max_length=100)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings", blank=True, verbose_name=_("staff attending")
    )
    households = models.ManyToManyField(
        "clients.Household", related_name="meetings", blank=True, verbose_name=_("clients attending")
    )
    other_attendees = models.PositiveIntegerField(_("other attendees"), default=0)
    minutes = models.TextField(_("minutes"))
    decisions = models.TextField(_("decisions"), blank=True)
    vehicles = models.ManyToManyField("campaigns.Vehicle", blank=True, verbose_name=_("activity vehicles"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["bureau", "on", "id"]),  # the list's order, read from the index
            models.Index(fields=["bureau", "id"]),  # the API's cursor order (newest id first)
        ]

    def __str__(self):
        return f"{self.on} {self.title}"

    def get_absolute_url(self):
        return record_link("meeting_detail", self.pk)


class Research(BureauOwnedModel):
    """抓调研出成果: a topic studied at a contact point, fed by visits and meetings, ending in a report."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="research", verbose_name=_("lead")
    )
    contact_point = models.ForeignKey(
        "org.ContactPoint", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("contact point")
    )
    topic = models.CharField(_("topic"), max_length=100)
    started_on = models.DateField(_("started on"))
    visits = models.ManyToManyField(Visit, blank=True, related_name="research", verbose_name=_("visits"))
    meetings = models.ManyToManyField(
        Meeting, blank=True, related_name="research", verbose_name=_("meetings")
    )
    findings = models.TextField(_("findings and recommendations"), blank=True)
    report = models.FileField(_("research report"), upload_to="research/%Y/", blank=True)
    reported_on = models.DateField(_("report finished on"), null=True, blank=True)
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics (调研)")
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("research_detail", kwargs={"research_id": self.pk})


class LedgerScope(models.TextChoices):
    CONTACT_POINT = "contact_point", _("Contact point")
    VILLAGE = "village", _("Village")
    STAFF = "staff", _("Staff member")


class LedgerBook(BureauOwnedModel):
    """民情台账: a book of households — those of a contact point's or a village's area, or those a staff
    member has visited — with their visits, diary entries, cases and outcomes, always up to date."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    scope = models.CharField(_("kept for"), max_length=16, choices=LedgerScope.choices)
    contact_point = models.ForeignKey(
        "org.ContactPoint", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("contact point")
    )
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    title = models.CharField(_("title"), max_length=100)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ledger_books",
        verbose_name=_("keeper"),
    )
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("ledger book")
        verbose_name_plural = _("ledger books (民情台账)")
        ordering = ["opened_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        scope="contact_point",
                        contact_point__isnull=False,
                        village__isnull=True,
                        staff__isnull=True,
                    )
                    | Q(
                        scope="village", contact_point__isnull=True, village__isnull=False, staff__isnull=True
                    )
                    | Q(scope="staff", contact_point__isnull=True, village__isnull=True, staff__isnull=False)
                ),
                name="ledger_one_subject",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ledger_detail", kwargs={"book_id": self.pk})


class NotebookReview(BureauOwnedModel):
    """A leader's or department head's remark on a staff member's work notebook for a month."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notebook_reviews",
        verbose_name=_("staff"),
    )
    month = models.DateField(_("month"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    remark = models.TextField(_("remark"))

    class Meta:
        verbose_name = _("notebook review")
        verbose_name_plural = _("notebook reviews")
        ordering = ["month", "created_at"]
        indexes = [models.Index(fields=["staff", "month"])]

    def __str__(self):
        return f"{self.staff} {self.month:%Y-%m}"


NO_VISIT_BEFORE = "1900-01-01"  # VisitedTally.prev of a household's first face-to-face month


class VisitedTally(models.Model):
    """Active households met face to face in a month (fieldwork.VisitedMonth), per bureau, month and
    the household's previous month met (NO_VISIT_BEFORE: none before): the households met in any run
    of months [first, last] are the rows of those months whose previous month is before `first`
    (each household counted at its first month in the run), so 零距离 of a bureau is a sum over a
    few hundred rows instead of an anti-join over its households. Kept by triggers (migration 0011)
    as months are recorded or removed and households become active or inactive."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    prev = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "month", "prev"], name="visited_tally_once")]

    def __str__(self):
        return f"{self.bureau_id} {self.month:%Y-%m} (before: {self.prev:%Y-%m}): {self.n}"
