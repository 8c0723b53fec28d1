from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sanwen.core.models import BureauOwnedModel
from sanwen.core.text import fold


class HouseholdKind(models.TextChoices):
    FARMER = "farmer", _("Tobacco farmer")
    RETAILER = "retailer", _("Cigarette retailer")


class MarketType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class BusinessFormat(models.TextChoices):
    GROCERY = "grocery", _("Grocery")
    CONVENIENCE = "convenience", _("Convenience store")
    SUPERMARKET = "supermarket", _("Supermarket")
    TOBACCO_LIQUOR = "tobacco_liquor", _("Tobacco and liquor shop")
    ENTERTAINMENT = "entertainment", _("Entertainment and services")
    CATERING = "catering", _("Catering")
    OTHER = "other", _("Other")


class HouseholdQuerySet(models.QuerySet):
    def search(self, query: str):
        """Name (any script, any width), pinyin initials, phone tail, licence number or ID."""
        key = fold(query)
        if not key:
            return self
        return self.filter(search_key__contains=key)


class Household(BureauOwnedModel):
    """A client household: a tobacco farmer (烟农) or a cigarette retailer (卷烟零售户)."""

    kind = models.CharField(_("kind"), max_length=16, choices=HouseholdKind.choices)
    name = models.CharField(
        _("name"), max_length=32, help_text=_("Head of household, or the licence holder.")
    )
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    township = models.ForeignKey(
        "org.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("township")
    )
    village = models.ForeignKey(
        "org.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    market_type = models.CharField(_("market type"), max_length=16, choices=MarketType.choices, blank=True)
    business_format = models.CharField(
        _("business format"), max_length=16, choices=BusinessFormat.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Folded name, pinyin initials, phone, numbers: maintained by the services for search.
    search_key = models.CharField(max_length=400, editable=False, default="")
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # By place (townships and villages are numbered in their code's order as they are loaded), then
        # name: read from the index within a bureau, never a sort of the bureau's households.
        ordering = ["township_id", "village_id", "name", "id"]
        indexes = [
            models.Index(fields=["bureau", "kind", "township", "village"]),
            models.Index(fields=["bureau", "township", "village", "name", "id"]),
            # The home page's counts of a bureau's active households by kind, from the index alone.
            models.Index(fields=["bureau", "active", "kind"]),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("client_detail", kwargs={"household_id": self.pk})


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class RetailLicence(BureauOwnedModel):
    """烟草专卖零售许可证. The number is the issuing county's code, 1 kind digit and a 5-digit sequence."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="licences", verbose_name=_("retailer")
    )
    number = models.CharField(_("licence number"), max_length=12, unique=True)
    holder = models.CharField(_("holder"), max_length=32)
    business_name = models.CharField(_("business name"), max_length=100, blank=True)
    address = models.CharField(_("business address"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=100, default="卷烟、雪茄烟零售")
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    issuer = models.CharField(_("issuing authority"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("retail licence")
        verbose_name_plural = _("retail licences")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=models.F("valid_from")), name="licence_term_positive"
            ),
        ]

    def __str__(self):
        return self.number


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New licence")
    RENEW = "renew", _("Renewal")
    CHANGE = "change", _("Change")
    SUSPEND = "suspend", _("Suspension")
    RESUME = "resume", _("Resumption")
    CLOSE = "close", _("Closure")


class LicenceApplication(BureauOwnedModel):
    """An application on a licence: 新办, 延续, 变更, 停业, 恢复营业, 歇业."""

    licence = models.ForeignKey(
        RetailLicence, on_delete=models.PROTECT, related_name="applications", verbose_name=_("licence")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    applied_on = models.DateField(_("applied on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    on_the_spot = models.BooleanField(_("handled on the spot"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        ordering = ["-applied_on", "-id"]

    def __str__(self):
        return f"{self.licence.number} {self.get_kind_display()}"


class PlantingContract(BureauOwnedModel):
    """A farmer household's tobacco planting contract for one year."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("farmer")
    )
    year = models.PositiveSmallIntegerField(_("contract year"))
    area_mu = models.DecimalField(_("area (mu)"), max_digits=7, decimal_places=1)
    contracted_kg = models.PositiveIntegerField(_("contracted quantity (kg)"), null=True, blank=True)
    variety = models.CharField(_("variety"), max_length=32, blank=True)
    barns = models.PositiveSmallIntegerField(_("curing barns"), default=0)
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("planting contract")
        verbose_name_plural = _("planting contracts")
        ordering = ["-year", "household"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_contract_per_household_year"),
            models.CheckConstraint(condition=Q(area_mu__gt=0), name="contract_area_positive"),
        ]

    def __str__(self):
        return f"{self.household} {self.year}"


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Rejected: nothing was written")


class ImportRun(BureauOwnedModel):
    """One attempt to import a spreadsheet: what it did, or every reason it was refused."""

    by = models.ForeignKey("org.Staff", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("by"))
    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    households_created = models.PositiveIntegerField(_("households created"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    licences_written = models.PositiveIntegerField(_("licences written"), default=0)
    contracts_written = models.PositiveIntegerField(_("contracts written"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class HouseholdTally(models.Model):
    """A bureau's households by kind and whether active, kept by triggers (migration 0007) as
    households are added, changed or removed, whatever writes them: the home page's counts and
    零距离's area of a bureau are a sum over a few rows instead of a count of its households. Read
    through the access policy like the households (the bureau's own)."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=16)
    active = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "kind", "active"], name="household_tally_once")
        ]

    def __str__(self):
        return f"{self.bureau_id} {self.kind} {self.active}: {self.n}"
