"""The campaign's own vocabulary in three languages (django-modeltranslation).

A translated field `name` has the columns `name_zh_hans`, `name_zh_hant` and `name_en`; reading `name`
gives the active language's term, or the simplified one when that is empty. The original column `name`
always holds the simplified term: queries that span a relation (`category__name`), exports and the API
read it, so they keep showing simplified Chinese unless they ask for a language. The traditional term is
derived by OpenCC when nobody wrote one, and follows the simplified term until someone does."""

from django.conf import settings
from django.db import models
from django.utils import translation
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import get_language
from opencc import OpenCC

_s2t = OpenCC("s2t")
SIMPLIFIED, TRADITIONAL, ENGLISH = "zh_hans", "zh_hant", "en"


def to_traditional(text: str | None) -> str:
    return _s2t.convert(text) if text else ""


def translated_fields(model) -> list[str]:
    """The model's translated fields, by their original names ([] for a model with none)."""
    try:
        return list(translator.get_options_for_model(model).get_field_names())
    except NotRegistered:
        return []


def terms(field: str, simplified: str, english: str = "", traditional: str = "") -> dict[str, str | None]:
    """Constructor arguments giving every language of one translated field, whatever language is active
    (a plain `name=` would only fill the active language's column)."""
    return {
        field: simplified,
        f"{field}_{SIMPLIFIED}": simplified,
        f"{field}_{TRADITIONAL}": traditional or to_traditional(simplified),
        f"{field}_{ENGLISH}": english or None,
    }


def fill_terms(instance) -> None:
    """Before a save: the simplified column is never empty (a term given in another language session fills
    it) and the traditional column is OpenCC's conversion unless someone wrote a different one."""
    fields = translated_fields(type(instance))
    if not fields:
        return
    before = {}
    if instance.pk:
        before = (
            type(instance)
            ._base_manager.filter(pk=instance.pk)
            .values(*(f"{f}_{SIMPLIFIED}" for f in fields))
            .first()
        ) or {}
    for field in fields:
        simplified = getattr(instance, f"{field}_{SIMPLIFIED}") or instance.__dict__.get(field) or ""
        setattr(instance, f"{field}_{SIMPLIFIED}", simplified)
        traditional = getattr(instance, f"{field}_{TRADITIONAL}") or ""
        derived_before = to_traditional(before.get(f"{field}_{SIMPLIFIED}"))
        if not traditional or traditional == derived_before:
            setattr(instance, f"{field}_{TRADITIONAL}", to_traditional(simplified))


class TranslatedVocabulary(models.Model):
    """A row whose terms are translated (registered in the app's translation.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Storage, not domain flow: the columns stay consistent whichever language the saving request uses.
        fields = translated_fields(type(self))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # A narrow save of other columns (a supervisor, a version) leaves the terms alone; one naming a
            # term writes every language of it.
            named = [f for f in fields if any(u == f or u.startswith(f"{f}_") for u in update_fields)]
            kwargs["update_fields"] = set(update_fields) | {
                f"{f}_{lang}" for f in named for lang in (SIMPLIFIED, TRADITIONAL, ENGLISH)
            }
            if named:
                fill_terms(self)
        else:
            fill_terms(self)
        with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            super().save(*args, **kwargs)


def in_language(model, field: str, simplified_terms) -> dict[str, str]:
    """Each simplified term of `model.field` as the active language writes it (one query), for figures grouped
    by the term's original column (`kind__name`); a term not found or not translated stays as it is."""
    wanted = {term for term in simplified_terms if term}
    language = get_language().replace("-", "_")
    if not wanted or language == SIMPLIFIED:
        return {}
    rows = model._base_manager.filter(**{f"{field}_{SIMPLIFIED}__in": wanted}).values_list(
        f"{field}_{SIMPLIFIED}", f"{field}_{language}"
    )
    return {simplified: shown for simplified, shown in rows if shown}
