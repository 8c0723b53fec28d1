from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanwen.core.models import BureauOwnedModel
from sanwen.core.vocabulary import TranslatedVocabulary
from sanwen.org.models import Rank


class CampaignQuerySet(models.QuerySet):
    def current(self, bureau, on):
        """The bureau's active campaign covering the day `on` (the newest if several do)."""
        return (
            self.filter(bureau=bureau, active=True, start__lte=on)
            .filter(Q(end__isnull=True) | Q(end__gte=on))
            .order_by("-start")
            .first()
        )


class Campaign(TranslatedVocabulary, BureauOwnedModel):
    """A bureau's run of the campaign, with its own vocabulary and rules (name and description translated)."""

    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["bureau", "-start"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.end and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})


class CampaignItem(TranslatedVocabulary):
    """A term of a campaign's vocabulary; each kind below is one list an administrator edits. Its name (and
    the texts registered in translation.py) are kept in simplified, traditional Chinese and English."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, verbose_name=_("campaign"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["campaign", "order", "id"]

    def __str__(self):
        return self.name


class VehicleGroup(models.TextChoices):
    SEND = "send", _("Three sends")
    GRASP = "grasp", _("Three graspings")


class Vehicle(CampaignItem):
    """An activity vehicle (三送三抓): visits, meetings and deeds are tagged with them."""

    group = models.CharField(_("group"), max_length=8, choices=VehicleGroup.choices)
    produces_research = models.BooleanField(
        _("produces research reports"),
        default=False,
        help_text=_("抓调研出成果: visits under it feed a research topic."),
    )

    class Meta(CampaignItem.Meta):
        verbose_name = _("activity vehicle")
        verbose_name_plural = _("activity vehicles (三送三抓)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="vehicle_unique_code")]


class VisitRole(CampaignItem):
    """A role a visiting cadre plays (五员)."""

    class Meta(CampaignItem.Meta):
        verbose_name = _("visiting role")
        verbose_name_plural = _("visiting roles (五员)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="visitrole_unique_code")]


class DeadlineKind(models.TextChoices):
    WORKING_DAYS = "working_days", _("A number of working days")
    BATCH = "batch", _("The batch's deadline")
    EXPLICIT = "explicit", _("An explicit deadline set on acceptance")


class ClosingRule(models.TextChoices):
    """What a case handled under a mode must show before it may be resolved (SPEC §4)."""

    NONE = "none", _("No extra rule")
    IN_BATCH = "in_batch", _("Belongs to a batch of similar cases")
    SENIOR_OWNER_FIRST_CONTACT = (
        "senior_first_contact",
        _("Owner is a leader or department head; first contact within the set working days"),
    )
    EXTENSION_APPROVED = "extension_approved", _("Extensions need a reason and a leader's approval")
    ONSITE_VISIT = "onsite_visit", _("A linked visit at the client's place")
    PARTNER = "partner", _("At least one partner organisation recorded")
    PUBLIC_BOARD = "public_board", _("Shown on the public board with public progress notes")
    FOLLOW_UPS = "follow_ups", _("Follow-up contacts scheduled and recorded before archiving")


class HandlingMode(CampaignItem):
    """A handling mode of 八办工作法: it sets a case's time limit and its closing rule."""

    short_name = models.CharField(_("short name"), max_length=16)
    deadline_kind = models.CharField(
        _("time limit"), max_length=16, choices=DeadlineKind.choices, default=DeadlineKind.WORKING_DAYS
    )
    time_limit_days = models.PositiveSmallIntegerField(
        _("working days"), null=True, blank=True, help_text=_("For a batch: the default batch deadline.")
    )
    closing_rule = models.CharField(
        _("closing rule"), max_length=32, choices=ClosingRule.choices, default=ClosingRule.NONE
    )
    first_contact_days = models.PositiveSmallIntegerField(
        _("first contact within (working days)"), null=True, blank=True
    )
    follow_up_days = models.JSONField(
        _("follow-ups after (days)"), default=list, blank=True, help_text=_("e.g. [7, 30, 90]")
    )
    resolvable_on_the_spot = models.BooleanField(_("may be resolved on the spot"), default=False)

    class Meta(CampaignItem.Meta):
        verbose_name = _("handling mode")
        verbose_name_plural = _("handling modes (八办)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="mode_unique_code")]

    def clean(self):
        if self.deadline_kind != DeadlineKind.EXPLICIT and not self.time_limit_days:
            raise ValidationError({"time_limit_days": _("Give the number of working days.")})
        if self.closing_rule == ClosingRule.SENIOR_OWNER_FIRST_CONTACT and not self.first_contact_days:
            raise ValidationError({"first_contact_days": _("Give the working days for the first contact.")})
        if self.closing_rule == ClosingRule.FOLLOW_UPS:
            days = self.follow_up_days
            if not days or not all(isinstance(d, int) and d > 0 for d in days):
                raise ValidationError({"follow_up_days": _("Give a list of positive whole numbers of days.")})


class RankQuota(models.Model):
    """Monthly on-site days (到点天数) required of a rank."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("campaign")
    )
    rank = models.CharField(_("rank"), max_length=16, choices=Rank.choices)
    days_per_month = models.PositiveSmallIntegerField(_("on-site days per month"))

    class Meta:
        verbose_name = _("monthly quota")
        verbose_name_plural = _("monthly quotas (到点天数)")
        ordering = ["campaign", "days_per_month"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "rank"], name="quota_unique_rank"),
            models.CheckConstraint(condition=Q(days_per_month__lte=31), name="quota_at_most_31"),
        ]

    def __str__(self):
        return f"{self.get_rank_display()} ≥ {self.days_per_month}"


class ReviewDimension(CampaignItem):
    """A comment every annual assessment must give (五个必点评)."""

    class Meta(CampaignItem.Meta):
        verbose_name = _("review dimension")
        verbose_name_plural = _("review dimensions (五个必点评)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="review_unique_code")]


class Prohibition(CampaignItem):
    """A rule of conduct (五不准); integrity reports name one."""

    class Meta(CampaignItem.Meta):
        verbose_name = _("prohibition")
        verbose_name_plural = _("prohibitions (五不准)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="prohibition_unique_code")]


class ZeroTarget(CampaignItem):
    """One of the six zeros (六个零) the scorecard measures."""

    description = models.CharField(_("what is counted"), max_length=200, blank=True)

    class Meta(CampaignItem.Meta):
        verbose_name = _("zero target")
        verbose_name_plural = _("six zeros (六个零)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="zero_unique_code")]


class CaseCategory(CampaignItem):
    """What a case is about (订货, 政策咨询, 生产技术, 用地, 烤房, 资金, 证照, …)."""

    class Meta(CampaignItem.Meta):
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="category_unique_code")]


class DeedKind(CampaignItem):
    """A kind of concrete result (实事) the report sums: land secured, cabinets supplied, …"""

    unit = models.CharField(_("unit"), max_length=16, help_text=_("亩, 个, 户, 次 …"))
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("usual vehicle")
    )

    class Meta(CampaignItem.Meta):
        verbose_name = _("deed kind")
        verbose_name_plural = _("deed kinds (实事)")
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="deedkind_unique_code")]
