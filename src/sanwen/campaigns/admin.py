from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from sanwen.campaigns.models import (
    Campaign,
    CaseCategory,
    DeedKind,
    HandlingMode,
    Prohibition,
    RankQuota,
    ReviewDimension,
    Vehicle,
    VisitRole,
    ZeroTarget,
)
from sanwen.core.admin_scoping import AdministeredInline, BureauScopedAdmin
from sanwen.core.versions import VersionedAdminMixin


# The translated terms show one column per language (simplified required; traditional filled by OpenCC when
# left empty; English falls back to simplified when empty).
class ItemInline(AdministeredInline, TranslationTabularInline):
    extra = 0
    fields = ("order", "code", "name", "active")


class VehicleInline(ItemInline):
    model = Vehicle
    fields = ("order", "code", "name", "group", "produces_research", "active")


class VisitRoleInline(ItemInline):
    model = VisitRole


class HandlingModeInline(AdministeredInline, TranslationStackedInline):
    model = HandlingMode
    extra = 0
    fields = (
        ("order", "code", "name", "short_name", "active"),
        ("deadline_kind", "time_limit_days"),
        ("closing_rule", "first_contact_days", "follow_up_days", "resolvable_on_the_spot"),
    )


class RankQuotaInline(AdministeredInline, admin.TabularInline):
    model = RankQuota
    extra = 0


class ReviewDimensionInline(ItemInline):
    model = ReviewDimension


class ProhibitionInline(ItemInline):
    model = Prohibition


class ZeroTargetInline(AdministeredInline, TranslationStackedInline):
    # Stacked: a name and a description in three languages each do not fit a table row.
    model = ZeroTarget
    extra = 0
    fields = (("order", "code", "active"), "name", "description")


class CaseCategoryInline(ItemInline):
    model = CaseCategory


class DeedKindInline(AdministeredInline, TranslationStackedInline):
    model = DeedKind
    extra = 0
    fields = (("order", "code", "vehicle", "active"), "name", "unit")


@admin.register(Campaign)
class CampaignAdmin(VersionedAdminMixin, BureauScopedAdmin, TranslationAdmin):
    deletable = False
    list_display = ("name", "start", "end", "active")
    inlines = [
        RankQuotaInline,
        HandlingModeInline,
        VehicleInline,
        VisitRoleInline,
        ReviewDimensionInline,
        ProhibitionInline,
        ZeroTargetInline,
        CaseCategoryInline,
        DeedKindInline,
    ]

    def get_fieldsets(self, request, obj=None):
        # The translation admin lays out the form's fields, the version included: it travels in the form's own
        # hidden field (VersionedAdminMixin), never as a laid-out model field.
        return [
            (name, dict(options, fields=[f for f in options["fields"] if f != "version"]))
            for name, options in super().get_fieldsets(request, obj)
        ]
