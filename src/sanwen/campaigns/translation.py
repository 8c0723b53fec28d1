"""Which campaign texts are kept in three languages (django-modeltranslation; see core/vocabulary.py).
Simplified Chinese is required wherever the field itself is; the other languages fall back to it."""

from modeltranslation.translator import TranslationOptions, register

from sanwen.campaigns.models import (
    Campaign,
    CaseCategory,
    DeedKind,
    HandlingMode,
    Prohibition,
    ReviewDimension,
    Vehicle,
    VisitRole,
    ZeroTarget,
)


class TermOptions(TranslationOptions):
    fields = ("name",)
    required_languages = {"zh-hans": ("name",), "default": ()}
    # An empty translation is stored as NULL: it falls back to simplified and never collides in a unique rule.
    empty_values = None


@register(Vehicle)
class VehicleOptions(TermOptions):
    pass


@register(VisitRole)
class VisitRoleOptions(TermOptions):
    pass


@register(HandlingMode)
class HandlingModeOptions(TermOptions):
    fields = ("name", "short_name")
    required_languages = {"zh-hans": ("name", "short_name"), "default": ()}


@register(ReviewDimension)
class ReviewDimensionOptions(TermOptions):
    pass


@register(Prohibition)
class ProhibitionOptions(TermOptions):
    pass


@register(ZeroTarget)
class ZeroTargetOptions(TermOptions):
    fields = ("name", "description")


@register(CaseCategory)
class CaseCategoryOptions(TermOptions):
    pass


@register(DeedKind)
class DeedKindOptions(TermOptions):
    fields = ("name", "unit")
    required_languages = {"zh-hans": ("name", "unit"), "default": ()}


@register(Campaign)
class CampaignOptions(TermOptions):
    fields = ("name", "description")
