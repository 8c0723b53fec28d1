"""Accountability: commitments kept (承诺践诺), the integrity register (五不准: gift declarations and
violation reports with their investigation), and annual assessments with the five mandatory comments
(五个必点评). The six-zeros scorecard is computed from the records (sanwen.accountability.scorecard)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanwen.core.access import subject_key
from sanwen.core.models import BureauOwnedModel


class CommitmentState(models.TextChoices):
    OPEN = "open", _("Under way")
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    NOT_KEPT = "not_kept", _("Not kept")


class Commitment(BureauOwnedModel):
    """承诺: what a staff member or a department promised, by when, and whether it was kept."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("staff member"),
    )
    department = models.ForeignKey(
        "org.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("department"),
    )
    text = models.TextField(_("commitment"))
    made_on = models.DateField(_("made on"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=16, choices=CommitmentState.choices, default=CommitmentState.OPEN
    )
    evidence = models.TextField(_("evidence"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False, department__isnull=True)
                | Q(staff__isnull=True, department__isnull=False),
                name="commitment_has_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("made_on")), name="commitment_due_after_made"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "due_on"]),
            models.Index(fields=["staff", "due_on"]),
            models.Index(fields=["department", "due_on"]),
        ]

    def __str__(self):
        return self.text[:40]

    def past_due(self, today) -> bool:
        return self.state == CommitmentState.OPEN and self.due_on < today


class GiftHandling(models.TextChoices):
    PENDING = "pending", _("Not yet handled")
    RETURNED = "returned", _("Returned")
    HANDED_IN = "handed_in", _("Handed in")


class GiftDeclaration(BureauOwnedModel):
    """A gift a staff member was offered or given (收受馈赠 is forbidden): declared, then returned or
    handed in."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="gifts",
        verbose_name=_("declared by"),
    )
    what = models.CharField(_("what"), max_length=200)
    giver = models.CharField(_("from whom"), max_length=100)
    value = models.DecimalField(_("estimated value (yuan)"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("received on"))
    declared_on = models.DateField(_("declared on"))
    handling = models.CharField(
        _("handling"), max_length=16, choices=GiftHandling.choices, default=GiftHandling.PENDING
    )
    handled_on = models.DateField(_("handled on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("gift declaration")
        verbose_name_plural = _("gift declarations")
        ordering = ["-declared_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="gift_value_not_negative")]

    def __str__(self):
        return f"{self.staff} {self.what}"


class ReportSource(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    PUBLIC = "public", _("Public portal")


class ReportState(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Under investigation")
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Not substantiated")


CONCLUDED = (ReportState.SUBSTANTIATED, ReportState.UNSUBSTANTIATED)


class ViolationReport(BureauOwnedModel):
    """A report that someone broke one of the 五不准, and its investigation by an inspector."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, verbose_name=_("campaign"))
    prohibition = models.ForeignKey(
        "campaigns.Prohibition", on_delete=models.PROTECT, verbose_name=_("prohibition (五不准)")
    )
    accused = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member concerned"),
    )
    accused_text = models.CharField(_("who, as the reporter described them"), max_length=200, blank=True)
    description = models.TextField(_("what happened"))
    source = models.CharField(_("source"), max_length=16, choices=ReportSource.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=32, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=11, blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, null=True, blank=True, unique=True)
    received_on = models.DateField(_("received on"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.RECEIVED
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    findings = models.TextField(_("findings"), blank=True)
    actions = models.TextField(_("actions taken"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # What the reporter wrote, folded (sanwen.core.access.subject_key), so that a report naming someone
    # in its text is kept from them as one linked to them is.
    subject_key = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("violation report")
        verbose_name_plural = _("violation reports")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["bureau", "state"]),
            models.Index(fields=["accused", "concluded_on"]),
            models.Index(fields=["bureau", "concluded_on"]),
        ]

    def __str__(self):
        return f"{self.received_on} {self.prohibition}"

    def text_about(self) -> str:
        """Everything written about the matter: the reporter's words, and the investigation's notes,
        findings and actions (a person named there is as concerned as one named by the reporter)."""
        notes = " ".join(self.events.values_list("text", flat=True)) if self.pk else ""
        return " ".join([self.description, self.accused_text, self.findings, self.actions, notes])

    def save(self, *args, **kwargs):
        # Derived, never edited: kept with the report so the access rule compares names in the database.
        self.subject_key = subject_key(self.text_about())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "subject_key"}
        super().save(*args, **kwargs)


class ReportEventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Inspector assigned")
    INVESTIGATING = "investigating", _("Investigation opened")
    NOTE = "note", _("Investigation note")
    ACCUSED = "accused", _("Staff member concerned identified")
    SUBSTANTIATED = "substantiated", _("Concluded: substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Concluded: not substantiated")


class ReportEvent(models.Model):
    report = models.ForeignKey(ViolationReport, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=16, choices=ReportEventKind.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.report_id} {self.kind}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    COMPETENT = "competent", _("Competent (称职)")
    BASIC = "basic", _("Basically competent (基本称职)")
    INCOMPETENT = "incompetent", _("Incompetent (不称职)")


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Assessment(BureauOwnedModel):
    """年度考核: a staff member's year, with the evidence drawn from the records, the five mandatory
    comments and the grade; locked once final."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("staff member"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    evidence = models.JSONField(_("evidence"), default=dict)
    evidence_on = models.DateField(_("evidence drawn on"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("finalised by"),
    )
    finalised_on = models.DateField(_("finalised on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")
        ordering = ["-year", "staff__department__order", "staff__name"]
        constraints = [models.UniqueConstraint(fields=["staff", "year"], name="assessment_once_a_year")]

    def __str__(self):
        return f"{self.year} {self.staff}"


class AssessmentComment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    dimension = models.ForeignKey(
        "campaigns.ReviewDimension", on_delete=models.PROTECT, verbose_name=_("comment on")
    )
    text = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["dimension__order", "dimension_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="one_comment_per_dimension")
        ]

    def __str__(self):
        return f"{self.assessment} {self.dimension}"
