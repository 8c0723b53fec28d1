import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanwen.core.access import Role, has_cap
from sanwen.core.codes import new_card_code
from sanwen.core.models import BureauOwnedModel, TimeStampedModel
from sanwen.core.vocabulary import TranslatedVocabulary


class PlaceLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village committee")
    NATURAL_VILLAGE = "natural", _("Natural village")


# Statistical division codes (统计用区划代码): how many digits a code of each level has.
CODE_LENGTH = {
    PlaceLevel.PROVINCE: 2,
    PlaceLevel.CITY: 4,
    PlaceLevel.COUNTY: 6,
    PlaceLevel.TOWNSHIP: 9,
    PlaceLevel.VILLAGE: 12,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class PlaceQuerySet(models.QuerySet):
    def within(self, code: str):
        """Places under (and including) the division with this code, by code prefix."""
        return self.filter(models.Q(code__startswith=code) | models.Q(parent__code__startswith=code))

    def townships(self):
        return self.filter(level=PlaceLevel.TOWNSHIP)

    def villages(self):
        return self.filter(level__in=[PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE])


class Place(TimeStampedModel):
    """An administrative division. Official ones carry their statistical code; a natural village
    (自然村) has no code of its own and hangs under its township or village committee."""

    code = models.CharField(_("division code"), max_length=12, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=PlaceLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_under_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.level == PlaceLevel.NATURAL_VILLAGE:
            if self.code:
                raise ValidationError({"code": _("A natural village has no statistical code.")})
            if self.parent is None:
                raise ValidationError(
                    {"parent": _("A natural village must belong to a township or village.")}
                )
            return
        if not self.code or not re.fullmatch(r"\d+", self.code):
            raise ValidationError({"code": _("A statistical division code is digits only.")})
        if len(self.code) != CODE_LENGTH[self.level]:
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)d digits.")
                    % {"level": self.get_level_display(), "n": CODE_LENGTH[self.level]}
                }
            )
        if self.parent is not None and self.parent.code and not self.code.startswith(self.parent.code):
            raise ValidationError(
                {
                    "code": _("The code must start with its parent's code %(code)s.")
                    % {"code": self.parent.code}
                }
            )


class BureauLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial bureau")
    CITY = "city", _("City bureau")
    COUNTY = "county", _("County bureau")


class Bureau(TimeStampedModel):
    """A tobacco monopoly bureau. Bureaus nest: province ⊃ city ⊃ county."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=32)
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("Usually the division code of its area.")
    )
    level = models.CharField(_("level"), max_length=16, choices=BureauLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent bureau"),
    )
    area = models.ForeignKey(Place, on_delete=models.PROTECT, verbose_name=_("area"), related_name="+")
    # Materialised path of ids ("/1/4/9/"), so a parent finds all its descendants with one prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def descendants(self, include_self: bool = True):
        qs = Bureau.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def child_of(self, children) -> dict[int, int]:
        """{bureau id: id of the child (of `children`) it lies under}, for every descendant."""
        return {
            bureau.pk: kid.pk
            for bureau in self.descendants().only("pk", "path")
            for kid in children
            if bureau.path.startswith(kid.path)
        }


class DepartmentKind(models.TextChoices):
    LEADERSHIP = "leadership", _("Leadership")
    LEAF_STATION = "leaf", _("Tobacco leaf station")
    CUSTOMER_SERVICE = "customer", _("Customer service station")
    MONOPOLY = "monopoly", _("Monopoly enforcement section")
    OFFICE = "office", _("Office")
    OTHER = "other", _("Other")


class Department(TranslatedVocabulary, BureauOwnedModel):
    """A section of the bureau; its name is translated (translation.py)."""

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.OTHER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    supervisor = models.ForeignKey(
        "org.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_departments",
        verbose_name=_("supervising leader"),
        help_text=_("分管领导: supervises the department's overdue cases."),
    )
    # The name of the department's WeCom group robot (its webhook key is in WECOM_ROBOT_KEYS).
    wecom_group = models.CharField(
        _("WeCom group robot"),
        max_length=32,
        blank=True,
        help_text=_("The robot's name in WECOM_ROBOT_KEYS; its key stays in the environment."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["bureau", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["bureau", "name"], name="department_unique_name")]

    def __str__(self):
        return self.name


class Rank(models.TextChoices):
    """The rank decides the monthly field-day quota (到点天数)."""

    LEADER = "leader", _("Leadership member")
    DEPT_HEAD = "dept_head", _("Department head")
    KEY_STAFF = "key_staff", _("Key staff")
    STAFF = "staff", _("Staff member")


class StaffManager(UserManager):
    pass


class Staff(AbstractUser):
    """A person who logs in: a cadre or employee of one bureau, or a platform operator (no bureau)."""

    name = models.CharField(_("name"), max_length=32)
    bureau = models.ForeignKey(
        Bureau,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("bureau"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("department"),
    )
    rank = models.CharField(_("rank"), max_length=16, choices=Rank.choices, default=Rank.STAFF)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    title = models.CharField(_("post"), max_length=32, blank=True, help_text=_("e.g. 局长, 站长"))
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    # The person's account in the bureau's WeCom (企业微信), for application messages.
    wecom_userid = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    alerts_read_at = models.DateTimeField(_("alerts read at"), null=True, blank=True, editable=False)
    # The reference on the person's visit card (QR code to the public portal).
    card_code = models.CharField(
        _("visit card code"), max_length=10, unique=True, null=True, blank=True, default=new_card_code
    )
    # The stale-form check: the version a form was opened at is compared when it is saved.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["bureau", "department__order", "username"]

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name or self.username

    def clean(self):
        super().clean()
        if self.department_id and self.department.bureau_id != self.bureau_id:
            raise ValidationError({"department": _("The department belongs to another bureau.")})

    def can(self, cap: str) -> bool:
        return has_cap(self, cap)


class ContactPoint(BureauOwnedModel):
    """A village assigned to a leader or staff member (联系点)."""

    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="contact_points", verbose_name=_("staff member")
    )
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["village__code", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "village", "since"], name="contact_point_unique"),
        ]

    def __str__(self):
        return f"{self.village} · {self.staff}"
