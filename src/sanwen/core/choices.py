"""A choice's label (get_FOO_display) looked up in a table made once per field.

Django makes a dict of all of a field's choices on every call to get_FOO_display, hashing each
label; a label is a lazy translation, so each call translated every choice of the field (the
timeline's kinds: some twenty gettext calls for one label, 45 µs; a case page with a hundred steps
or the public board spent milliseconds on it). The table made here keeps the labels lazy, so the
one label asked for is translated in the language active at the time, as Django's would be."""

from functools import partialmethod

from django.apps import apps
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _get_field_display(self, field):
    value = getattr(self, field.attname)
    table = field.__dict__.get("_display_table")
    if table is None:
        table = {make_hashable(key): label for key, label in field.flatchoices}
        field._display_table = table
    return force_str(table.get(make_hashable(value), value), strings_only=True)


def install():
    """Each model's get_FOO_display that Django made (a partialmethod of Model._get_FIELD_display,
    bound when the class was made) made again on the table; one a model writes itself is left."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if getattr(field, "choices", None) is None or not getattr(field, "concrete", False):
                continue
            name = f"get_{field.name}_display"
            made = model.__dict__.get(name)
            if isinstance(made, partialmethod) and made.keywords.get("field") is field:
                setattr(model, name, partialmethod(_get_field_display, field=field))


def option_tags(choices, selected) -> str:
    """The <option>s of (value, label) pairs, the one equal to `selected` marked, escaped: written in
    one pass (a province's choosers offer hundreds of bureaus and townships, which a template loop
    renders about ten times slower, and format_html for each option still three times slower)."""
    from html import escape

    from django.utils.safestring import mark_safe

    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def bureau_options(bureaus, selected) -> str:
    """option_tags of a queryset of bureaus, each by its short name (its name if it has none)."""
    rows = bureaus.values_list("pk", "short_name", "name")
    return option_tags(((pk, short or name) for pk, short, name in rows), selected)
