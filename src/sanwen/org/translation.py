"""Department names are kept in three languages (django-modeltranslation; see core/vocabulary.py)."""

from modeltranslation.translator import TranslationOptions, register

from sanwen.org.models import Department


@register(Department)
class DepartmentOptions(TranslationOptions):
    fields = ("name",)
    required_languages = {"zh-hans": ("name",), "default": ()}
    # An empty translation is stored as NULL: it falls back to simplified and never collides in a unique rule.
    empty_values = None
