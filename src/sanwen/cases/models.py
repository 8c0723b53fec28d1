from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.core.links import record_link
from sanwen.core.models import BureauOwnedModel


class AskKind(models.TextChoices):
    """三问: what the client's item is."""

    OPINION = "opinion", _("Opinion on our work (问政)")
    NEED = "need", _("Need (问需)")
    SUGGESTION = "suggestion", _("Suggestion (问计)")


class ConcernKind(models.TextChoices):
    """三解: what kind of problem, where it is one."""

    WORRY = "worry", _("Worry (忧虑)")
    GRIEVANCE = "grievance", _("Grievance (怨恨)")
    DIFFICULTY = "difficulty", _("Difficulty (困难)")


class Source(models.TextChoices):
    VISIT = "visit", _("Visit")
    PORTAL = "portal", _("Public portal")
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    VISITED = "visited", _("Return visit done")
    ARCHIVED = "archived", _("Archived")
    MERGED = "merged", _("Merged into another case")


class ItemKind(models.TextChoices):
    """What a client raises, in their words: each maps onto an ask kind and a concern kind."""

    NEED = "need", _("Need")
    WORRY = "worry", _("Worry")
    GRIEVANCE = "grievance", _("Grievance")
    DIFFICULTY = "difficulty", _("Difficulty")
    SUGGESTION = "suggestion", _("Suggestion")
    OPINION = "opinion", _("Opinion on our work")


ITEM_KINDS = {
    ItemKind.NEED: (AskKind.NEED, ""),
    ItemKind.WORRY: (AskKind.NEED, ConcernKind.WORRY),
    ItemKind.GRIEVANCE: (AskKind.OPINION, ConcernKind.GRIEVANCE),
    ItemKind.DIFFICULTY: (AskKind.NEED, ConcernKind.DIFFICULTY),
    ItemKind.SUGGESTION: (AskKind.SUGGESTION, ""),
    ItemKind.OPINION: (AskKind.OPINION, ""),
}


# States in which the time limit runs.
OPEN_STATES = (State.REGISTERED, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS)
CLOSED_STATES = (State.RESOLVED, State.VISITED, State.ARCHIVED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")


class Evaluation(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, *, on):
        return self.open().filter(deadline__lt=on)

    def resolved_late(self):
        return self.filter(state__in=CLOSED_STATES, resolved_on__gt=models.F("deadline"))

    def suggestions(self):
        return self.filter(ask_kind=AskKind.SUGGESTION)


class Batch(BureauOwnedModel):
    """突出问题集中办: similar cases handled and resolved together by one deadline."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    title = models.CharField(_("title"), max_length=100)
    deadline = models.DateField(_("batch deadline"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    outcome = models.TextField(_("outcome"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Partner(BureauOwnedModel):
    """An organisation the bureau works with on cases (telecom operator, township government, …)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, blank=True, help_text=_("e.g. 电信运营商, 乡镇政府"))
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["bureau", "name"], name="partner_unique_name")]

    def __str__(self):
        return self.name


class Case(BureauOwnedModel):
    """Anything a client raised that needs handling, from registration to archive."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    title = models.CharField(_("summary"), max_length=100)
    description = models.TextField(_("what the client said"))
    ask_kind = models.CharField(_("ask kind"), max_length=16, choices=AskKind.choices)
    concern_kind = models.CharField(_("concern kind"), max_length=16, choices=ConcernKind.choices, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    category = models.ForeignKey(
        "campaigns.CaseCategory", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("category")
    )
    household = models.ForeignKey(
        "clients.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("client"),
    )
    contact_name = models.CharField(_("contact name"), max_length=32, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    township = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Only the owner and leaders see who raised it.")
    )
    public = models.BooleanField(_("on the public board"), default=False)
    mode = models.ForeignKey(
        "campaigns.HandlingMode", on_delete=models.PROTECT, verbose_name=_("handling mode")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REGISTERED)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    raised_on = models.DateField(_("raised on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("department")
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("batch")
    )
    partners = models.ManyToManyField(Partner, through="CasePartner", blank=True, verbose_name=_("partners"))
    # Time limit: computed when the mode and dates are known; pending while a year is unknown.
    deadline = models.DateField(_("time limit"), null=True, blank=True)
    deadline_pending = models.CharField(_("time limit pending"), max_length=300, blank=True)
    # The clock's days: remind the owner (the working day before the limit), supervision by the
    # department head (the working day after) and by the supervising leader (two working days later).
    remind_on = models.DateField(null=True, blank=True, editable=False)
    escalate_on = models.DateField(null=True, blank=True, editable=False)
    escalate_leader_on = models.DateField(null=True, blank=True, editable=False)
    # 受理 is due within one working day of registration (零疏忽 counts a later acceptance).
    accept_due = models.DateField(_("acceptance due"), null=True, blank=True, editable=False)
    # A limit counted in working days runs `limit_days` from `limit_from` (the day raised, or the day
    # reopened), so it can be counted again when the calendar changes; both empty for a limit that is a
    # chosen date (an explicit deadline, a batch's, an approved extension).
    limit_from = models.DateField(null=True, blank=True, editable=False)
    limit_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    first_contact_on = models.DateField(_("first contact on"), null=True, blank=True)
    on_site_visit_on = models.DateField(_("on-site visit on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    return_visit_due = models.DateField(_("return visit due"), null=True, blank=True)
    visited_on = models.DateField(_("return visit on"), null=True, blank=True)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    resolution = models.TextField(_("result"), blank=True)
    resolved_on_the_spot = models.BooleanField(_("resolved on the spot"), default=False)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    evaluation = models.CharField(_("evaluation"), max_length=16, choices=Evaluation.choices, blank=True)
    evaluation_reason = models.TextField(_("reason of the evaluation"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    visit = models.ForeignKey(
        "fieldwork.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("raised on the visit"),
    )
    meeting = models.ForeignKey(
        "fieldwork.Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("raised at the meeting"),
    )
    # The code the client follows the case with on the public portal (sanwen.core.codes); given to
    # every case at registration, whoever registered it.
    tracking_code = models.CharField(_("tracking code"), max_length=16, null=True, blank=True, unique=True)
    via_card_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_cases",
        verbose_name=_("raised through the visit card of"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year", "sequence"], name="case_number_unique"),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""), name="decline_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "state", "deadline"]),
            models.Index(fields=["owner", "state", "deadline"]),
            # My cases: a person's open cases, the most urgent first, in the index's order.
            models.Index(fields=["owner", "deadline", "raised_on", "state"], name="case_mine_order"),
            models.Index(fields=["state", "remind_on"]),
            models.Index(fields=["state", "escalate_on"]),
            models.Index(fields=["state", "escalate_leader_on"]),
            models.Index(fields=["state", "return_visit_due"]),
            # The lists' order (-raised_on, -id) within a bureau: read from the index, never sorted;
            # the columns the lists filter on follow, so a filtered page and its bounded count read the
            # index alone (no lookup of each row to test its state, limit, mode, kind, source or township).
            models.Index(
                fields=[
                    "bureau",
                    "raised_on",
                    "id",
                    "state",
                    "deadline",
                    "mode",
                    "ask_kind",
                    "source",
                    "township",
                ],
                name="case_list_order",
            ),
            # The API's cursor order (newest id first) within a bureau; on SQLite the bureau's own index
            # holds the rowid already, on PostgreSQL this spares walking every bureau's cases by id.
            models.Index(fields=["bureau", "id"], name="case_api_order"),
            # The case list by handling mode: a bureau's cases of one mode in the lists' order.
            models.Index(fields=["bureau", "mode", "raised_on", "id"], name="case_mode_order"),
            # The public board (公开办): a bureau's public cases in the lists' order, with their state
            # (a partial index: `public` is compared as a bare boolean, which no index column matches).
            models.Index(
                fields=["bureau", "raised_on", "id", "state"],
                condition=Q(public=True),
                name="case_public_board",
            ),
            # Cases whose time limit waits on next year's calendar (the home page counts them for leaders
            # while the year is missing): a handful, never a scan of the bureau's cases.
            models.Index(fields=["bureau"], condition=~Q(deadline_pending=""), name="case_deadline_pending"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:05d}"

    def get_absolute_url(self):
        return record_link("case_detail", self.pk)

    def supervision(self, today) -> int:
        """督办 level on `today`: 0 none, 1 department head, 2 supervising leader."""
        if self.state not in OPEN_STATES:
            return 0
        if self.escalate_leader_on and self.escalate_leader_on <= today:
            return 2
        if self.escalate_on and self.escalate_on <= today:
            return 1
        return 0


class CaseCounter(models.Model):
    """The last case sequence per bureau and year: numbers are readable and never reused."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "year"], name="case_counter_unique")]

    def __str__(self):
        return f"{self.bureau_id}/{self.year}: {self.last}"


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Handling started")
    NOTE = "note", _("Progress note")
    CONTACT = "contact", _("Contact with the client")
    PARTNER = "partner", _("Partner involved")
    BATCH = "batch", _("Added to a batch")
    EXTENSION_ASKED = "extension_asked", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    TIME_LIMIT = "time_limit", _("Time limit set")
    RESOLVED = "resolved", _("Resolved")
    RETURN_VISIT = "return_visit", _("Return visit")
    REOPENED = "reopened", _("Reopened")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ARCHIVED = "archived", _("Archived")
    MERGED = "merged", _("Merged")
    EVALUATED = "evaluated", _("Suggestion evaluated")


# Steps that change a case's state, and those after which its time limit runs (open).
LIFECYCLE = (
    EventKind.REGISTERED,
    EventKind.ACCEPTED,
    EventKind.DECLINED,
    EventKind.ASSIGNED,
    EventKind.STARTED,
    EventKind.RESOLVED,
    EventKind.RETURN_VISIT,
    EventKind.REOPENED,
    EventKind.ARCHIVED,
    EventKind.MERGED,
)
OPEN_AFTER = (
    EventKind.REGISTERED,
    EventKind.ACCEPTED,
    EventKind.ASSIGNED,
    EventKind.STARTED,
    EventKind.REOPENED,
)
# Steps that answer a resolution (its return visit made, or the case reopened).
ANSWERS = (EventKind.RETURN_VISIT, EventKind.REOPENED)


def restamp(
    case_id: int | None = None,
    *,
    table: str | None = None,
    lifecycle=LIFECYCLE,
    open_after=OPEN_AFTER,
    answers=ANSWERS,
    resolved=EventKind.RESOLVED,
    connection=None,
    opened_later: bool = True,
    resolved_later: bool = True,
) -> int:
    """Set `latest`, `open_after`, `answered_on`, `opened_later` and `resolved_later` on the steps of one
    case (`case_id`), or of every case, from their timelines ordered by (at, id): one UPDATE, whatever
    was inserted where (a step entered back-dated between two others included). The services call it
    on every step; the migration that added the stamps passes its own table, connection and frozen
    kinds (and, before the columns existed, opened_later=False, resolved_later=False). Returns the rows
    updated."""
    from django.db import connection as default_connection

    connection = connection or default_connection

    def value(kind) -> str:
        return getattr(kind, "value", kind)

    def listed(kinds) -> str:
        return ", ".join(f"'{value(kind)}'" for kind in kinds)

    table = connection.ops.quote_name(table or CaseEvent._meta.db_table)
    on = connection.ops.quote_name("on")
    where, params = ("WHERE case_id = %s", [case_id]) if case_id is not None else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 - names and kinds are ours, the case id a parameter
            f"latest = NOT EXISTS (SELECT 1 FROM {table} n WHERE n.case_id = {table}.case_id AND "
            f"(n.at > {table}.at OR (n.at = {table}.at AND n.id > {table}.id))), "
            f"open_after = COALESCE((SELECT n.kind IN ({listed(open_after)}) FROM {table} n "
            f"WHERE n.case_id = {table}.case_id AND n.kind IN ({listed(lifecycle)}) AND "
            f"(n.at < {table}.at OR (n.at = {table}.at AND n.id <= {table}.id)) "
            f"ORDER BY n.at DESC, n.id DESC LIMIT 1), FALSE), "
            f"answered_on = CASE WHEN {table}.kind = '{value(resolved)}' THEN "
            f"(SELECT MIN(n.{on}) FROM {table} n WHERE n.case_id = {table}.case_id AND "
            f"n.kind IN ({listed(answers)}) AND n.id > {table}.id) END"
            + (
                f", opened_later = CASE WHEN {table}.kind = '{value(resolved)}' THEN EXISTS (SELECT 1 "  # noqa: S608
                f"FROM {table} n WHERE n.case_id = {table}.case_id AND n.kind IN ({listed(open_after)}) "
                f"AND (n.at > {table}.at OR (n.at = {table}.at AND n.id > {table}.id))) END"
                if opened_later
                else ""
            )
            + (
                f", resolved_later = CASE WHEN {table}.kind = '{value(resolved)}' THEN EXISTS (SELECT 1 "  # noqa: S608
                f"FROM {table} n WHERE n.case_id = {table}.case_id AND n.kind = '{value(resolved)}' "
                f"AND (n.at > {table}.at OR (n.at = {table}.at AND n.id > {table}.id))) END"
                if resolved_later
                else ""
            )
            + f" {where}",
            params,
        )
        return cursor.rowcount


class CaseEvent(models.Model):
    """One step on a case's timeline, with who and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("when"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("who")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    text = models.TextField(_("text"), blank=True)
    public = models.BooleanField(_("public progress note"), default=False)
    # The local day of the step and the time limit in force just after it: the figures of a period are
    # read from these (the timeline as it stood), never from the case's present fields.
    on = models.DateField(_("day"), null=True, blank=True)
    deadline = models.DateField(_("time limit in force"), null=True, blank=True)
    # A resolution's return visit is due on this day (the working day after it).
    due_on = models.DateField(_("return visit due"), null=True, blank=True)
    # Kept by `restamp` whenever a case's timeline changes: whether this is the case's latest step, and
    # whether the case was open just after it (its latest lifecycle step so far opens the time limit).
    # A case whose latest step is on or before a day stood then as it stands after that step: the
    # scorecard reads such cases from these two fields instead of walking each timeline.
    # (Nullable, with no default: SQLite adds such a column in place instead of remaking the table,
    # which the reports' triggers on the timeline would not survive. NULL only until stamped.)
    latest = models.BooleanField(_("latest step"), null=True, editable=False)
    open_after = models.BooleanField(_("open after this step"), null=True, editable=False)
    # A resolution's: the earliest day of a return visit or reopening recorded after it (零疏忽 counts
    # a resolution whose return visit fell due without one by its day). Kept by `restamp` too.
    answered_on = models.DateField(_("answered on"), null=True, blank=True, editable=False)
    # A resolution's: whether a later step (in the timeline's order) opened the case again. Only such a
    # resolution can belong to a case that stood open at the end of a day after it, so 零延误 checks only
    # these few of a period's late resolutions against the open cases (not tens of thousands).
    opened_later = models.BooleanField(_("opened again later"), null=True, editable=False)
    # A resolution's: whether the case was resolved again later (in the timeline's order). A case
    # resolved late k times in a period has k - 1 such late resolutions followed by another of the
    # period: 零延误 counts its late cases as the period's late resolutions less those few, instead of
    # sorting tens of thousands of resolutions by case to count each case once.
    resolved_later = models.BooleanField(_("resolved again later"), null=True, editable=False)
    # The case's bureau, kept by triggers (migration 0020) whatever writes the step or moves the case:
    # a bureau's steps of a period are counted from an index that starts with it, without looking up
    # each step's case. (Nullable without a constraint or default, so SQLite adds it in place.)
    bureau = models.ForeignKey(
        "org.Bureau",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case timeline")
        ordering = ["at", "id"]
        indexes = [
            # Steps of a kind in a period, with their limit and case read from the index alone (零延误's
            # late resolutions).
            models.Index(fields=["kind", "on", "deadline", "case"], name="caseevent_kind_day"),
            models.Index(fields=["case", "on"]),
            # A case's timeline as it stood on a day, latest step first, read from the index alone
            # (the scorecard's open cases: the step and the time limit in force then).
            models.Index(fields=["case", "-at", "-id", "on", "kind", "deadline"], name="caseevent_timeline"),
            # The open cases' latest steps: as of any day on or after them, which are past their limit
            # (a person's cases each looked up by case, a bureau's read whole; covering both ways).
            models.Index(
                fields=["case", "on", "deadline", "latest", "open_after"],
                condition=Q(latest=True, open_after=True),
                name="caseevent_open_latest",
            ),
            # Cases with a step after a day (read from their timeline as it stood on that day).
            models.Index(fields=["on", "case"], name="caseevent_day"),
            # Resolutions by the day their return visit fell due, and whether it was answered by then.
            models.Index(fields=["kind", "due_on", "answered_on", "case"], name="caseevent_visit_due"),
            # Only the steps taken after their limit, by kind and day: 零延误's late resolutions of a
            # period read these, not every resolution (the kind is a column, not in the condition, so
            # that SQLite uses the index for a query that names it as a parameter).
            models.Index(
                fields=["bureau", "kind", "on", "case", "deadline"],
                condition=Q(on__gt=F("deadline")),
                name="caseevent_late_in_bureau",
            ),
            # The late resolutions after which the case was opened again (零延误's cases both late and
            # still open at a period's end are among these few).
            models.Index(
                fields=["bureau", "kind", "on", "case", "deadline"],
                condition=Q(on__gt=F("deadline"), opened_later=True),
                name="caseevent_late_reopened",
            ),
            # The late resolutions after which the case was resolved again (a 零延误 case is counted
            # once: its late resolutions less those followed by another late one of the period).
            models.Index(
                fields=["bureau", "kind", "on", "case", "at", "id"],
                condition=Q(on__gt=F("deadline"), resolved_later=True),
                name="caseevent_late_resolved_again",
            ),
            # Only the reopenings, by bureau and day (零差错 of a period: PostgreSQL reads a bureau's
            # from this index alone instead of checking each of the period's reopenings' bureau).
            models.Index(
                fields=["bureau", "kind", "on", "case"],
                condition=Q(kind="reopened"),
                name="caseevent_reopened_in_bureau",
            ),
            # Only the return visits not made by their day (零疏忽's missed visits of a period).
            models.Index(
                fields=["bureau", "kind", "due_on", "case", "answered_on"],
                condition=Q(due_on__isnull=False)
                & (Q(answered_on__isnull=True) | Q(answered_on__gt=F("due_on"))),
                name="caseevent_missed_in_bureau",
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_kind_display()}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    ON_SITE = "on_site", _("Visit at the client's place")
    AT_BUREAU = "at_bureau", _("At the bureau")
    MESSAGE = "message", _("Message")
    PORTAL = "portal", _("Public portal")


class CasePhoto(models.Model):
    """A photo sent with the case (from the public portal): re-encoded, without metadata, shown only
    to the bureau's users."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos", verbose_name=_("case"))
    image = models.ImageField(
        _("photo"), upload_to="cases/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class CaseContact(models.Model):
    """A contact with the client about the case. An on-site one satisfies 上门办's rule."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, verbose_name=_("who")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("contact with the client")
        verbose_name_plural = _("contacts with the client")
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.case.number} {self.get_kind_display()} {self.on}"


class CasePartner(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, verbose_name=_("case"))
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, verbose_name=_("partner"))
    contribution = models.TextField(_("what they did"))

    class Meta:
        verbose_name = _("partner on a case")
        verbose_name_plural = _("partners on cases")
        constraints = [models.UniqueConstraint(fields=["case", "partner"], name="case_partner_once")]

    def __str__(self):
        return f"{self.case.number} · {self.partner}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Extension(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("case")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_on = models.DateField(_("requested on"))
    until = models.DateField(_("new time limit"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING
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
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-requested_on", "-id"]

    def __str__(self):
        return f"{self.case.number} → {self.until} ({self.get_state_display()})"


class ReturnVisit(models.Model):
    """回访: the client is asked whether the result satisfies them."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="return_visits", verbose_name=_("case")
    )
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("who")
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=ContactKind.choices, default=ContactKind.PHONE
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["on"])]  # the period's return visits (the dashboard)

    def __str__(self):
        return f"{self.case.number} {self.on} {self.get_satisfaction_display()}"


class FollowUp(models.Model):
    """跟踪办: a follow-up contact scheduled after resolution, recorded when done."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case")
    )
    due_on = models.DateField(_("due on"))
    # The day the mode's schedule names (resolution + N days); due on the first working day from it.
    planned_on = models.DateField(null=True, blank=True, editable=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("who")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self):
        return f"{self.case.number} {self.due_on}"


class Deed(BureauOwnedModel):
    """实事: a concrete result, with a quantity and unit, linked to cases or standing alone."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    kind = models.ForeignKey("campaigns.DeedKind", on_delete=models.PROTECT, verbose_name=_("kind"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=1)
    unit = models.CharField(_("unit"), max_length=8)
    vehicle = models.ForeignKey("campaigns.Vehicle", on_delete=models.PROTECT, verbose_name=_("vehicle"))
    on = models.DateField(_("date"))
    description = models.TextField(_("what was done"))
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("department")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    township = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("township"),
    )
    beneficiaries = models.ManyToManyField(
        "clients.Household", blank=True, related_name="deeds", verbose_name=_("beneficiaries")
    )
    cases = models.ManyToManyField(Case, blank=True, related_name="deeds", verbose_name=_("cases"))
    public = models.BooleanField(_("on the public board"), default=False)

    class Meta:
        verbose_name = _("deed")
        verbose_name_plural = _("deeds (实事)")
        ordering = ["-on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="deed_quantity_positive")]
        indexes = [models.Index(fields=["bureau", "on"])]

    def __str__(self):
        return f"{self.kind} {self.quantity}{self.unit}"


class ClockRun(models.Model):
    """The last day the clock has passed over: the next pass reads the due days since then."""

    last_day = models.DateField()
    passes = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clock pass")
        verbose_name_plural = _("clock passes")

    def __str__(self):
        return f"{self.last_day} ({self.passes})"


class AlertKind(models.IntegerChoices):
    """Named like every state, but stored as a small integer: it is part of the alerts' primary key,
    which the clock probes thousands of times a pass, and integers compare cheaper than collated text."""

    REMIND = 1, _("Time limit approaching (催办)")
    ESCALATE = 2, _("Overdue: supervise (督办)")
    LEADER = 3, _("Still overdue: leader supervision")
    VISIT = 4, _("Return visit due")
    FOLLOW = 5, _("Follow-up due")


class AlertMail(models.Model):
    """An alert the clock e-mailed: its key (case, kind, day) makes every e-mail go out once."""

    pk = models.CompositePrimaryKey("case", "kind", "due")
    # The primary key leads with the case; alerts are derived, so no per-row foreign-key check.
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="alert_mails",
        verbose_name=_("case"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.PositiveSmallIntegerField(_("kind"), choices=AlertKind.choices)
    due = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mailed alert")
        verbose_name_plural = _("e-mailed alerts")

    def __str__(self):
        return f"{self.case_id} {self.get_kind_display()} {self.due}"


class Bell(models.Model):
    """The bell's count of one person's unread alerts: raised by each clock pass for the alerts it
    issues to the person, set to nought when they read their notifications. The bell reads this one
    row on every page instead of working out what fell due (sanwen.cases.alerts.unread_count)."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    unread = models.PositiveIntegerField(_("unread alerts"), default=0)

    class Meta:
        verbose_name = _("bell")
        verbose_name_plural = _("bells")

    def __str__(self):
        return f"{self.staff_id}: {self.unread}"


class OpenTally(models.Model):
    """Cases open after their latest step, per bureau, time limit in force after that step and the
    step's day: how many cases stood open past their limit at the end of any day D (the rows with
    deadline < D and on <= D) is a sum over a few thousand rows instead of a walk over the bureau's
    open cases. Kept by triggers (migration 0016) from the timeline's stamps (CaseEvent.latest,
    open_after, deadline, on) as restamp() writes them, whatever writes the rows."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    deadline = models.DateField()
    on = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "deadline", "on"], name="open_tally_once")]

    def __str__(self):
        return f"{self.bureau_id} {self.on}→{self.deadline}: {self.n}"


class SkippedStep(models.Model):
    """A resolution that skipped a step (零疏忽): accepted later than its limit, or with its handling
    mode's rule unmet as the case stands (scorecard.omission_events says which). One row per such
    resolution, under its case's bureau and day, so a bureau's count over any days reads an index
    instead of joining the period's resolutions to their cases. Kept by triggers (migration 0019)
    whatever writes the case, its timeline, partners or follow-ups, and the modes' rules; only rows
    of existing resolutions are ever added (a flush leaves none behind)."""

    event = models.OneToOneField(
        CaseEvent, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    bureau = models.ForeignKey(
        "org.Bureau", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["bureau", "on"], name="skipped_step_day")]

    def __str__(self):
        return f"{self.bureau_id} {self.on}: {self.event_id}"


class MonthTally(models.Model):
    """Per bureau and month, what the scorecard counts of a bureau's period for its whole months (the
    rows themselves are read only for the days at its edges): the resolutions made after their limit
    (LATE, by the month of the step), the resolutions whose return visit fell due that month and was
    not made by its day as things stand (MISSED, by the month due), and the resolutions that skipped
    a step (SKIPPED: SkippedStep's marks, by their day). Kept by triggers (migration 0025) whatever
    writes the timeline or the marks; a removal only lowers a count, so a flush leaves nothing."""

    class Kind(models.TextChoices):
        LATE = "late", _("resolved after the time limit")
        MISSED = "missed", _("return visit missed")
        SKIPPED = "skipped", _("a step skipped")

    bureau = models.ForeignKey(
        "org.Bureau", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    month = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "kind", "month"], name="month_tally_once")]

    def __str__(self):
        return f"{self.bureau_id} {self.kind} {self.month:%Y-%m}: {self.n}"
