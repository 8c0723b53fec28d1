"""The stale-form check, for every editable record with a `version` column.

A form carries the version of the record as the user opened it (a hidden field). The service moves the
record to the next version with a conditional UPDATE (`… WHERE version = <the one seen>`): if someone
else saved in between, no row matches and the save is refused with a message, so a second editor never
silently puts the first one's changes back. The conditional UPDATE holds without a row lock too, so two
writers that both read the same version cannot both win.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STALE = "stale"


def stale_message() -> str:
    return _(
        "Someone else changed this record while you were working on it. Nothing of yours was saved: "
        "your entry is kept below; check the record and submit again."
    )


def version_claim(obj, expected: int | None) -> None:
    """Move obj to its next version, or raise ValidationError(code="stale") if the stored version is
    not `expected` (None: the version obj was read at, for callers without a form)."""
    seen = obj.version if expected is None else expected
    updated = type(obj)._base_manager.filter(pk=obj.pk, version=seen).update(version=seen + 1)
    if not updated:
        raise ValidationError(stale_message(), code=STALE)
    obj.version = seen + 1


def is_stale(exc: ValidationError) -> bool:
    return not hasattr(exc, "error_dict") and any(e.code == STALE for e in exc.error_list)


class VersionField(forms.IntegerField):
    """The hidden field that carries the version the form was opened at."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


def keep_entry_after_conflict(form, current_version: int) -> None:
    """After a refused stale save: the user's entry stays in the form, and the form now carries the
    version in the database, so once they have checked the record they can submit again on purpose."""
    data = form.data.copy()
    data[form.add_prefix("version")] = str(current_version)
    form.data = data


class VersionedAdminMixin:
    """Django admin: the change form carries the version it was opened at; a stale save is refused
    with the form and the user's entry kept. For models with a `version` column."""

    change_form_template = "admin/versioned_change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (VersionedAdminForm, form), {})

    def get_fields(self, request, obj=None):
        # Carried by the form's own hidden field (see the template), not laid out as a model field.
        return [f for f in super().get_fields(request, obj) if f != "version"]

    def save_model(self, request, obj, form, change):
        if change and obj.pk:
            version_claim(obj, form.cleaned_data.get("version"))
        super().save_model(request, obj, form, change)


class VersionedAdminForm(forms.ModelForm):
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("version")
        if self.instance.pk is not None and seen is not None:
            # The admin saves inside one transaction: the row lock makes a concurrent save wait here and
            # then see the new version, instead of failing later with the form gone.
            current = (
                type(self.instance)
                ._base_manager.select_for_update()
                .filter(pk=self.instance.pk)
                .order_by()  # a model's default ordering may join (Staff: department), and FOR UPDATE refuses
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != seen:
                keep_entry_after_conflict(self, current)
                raise ValidationError(stale_message(), code=STALE)
        return cleaned
