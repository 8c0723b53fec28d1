from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from sanwen.core.params import FIRST_DAY, LAST_DAY, parse_id


def limit_length(field: forms.CharField, limit: int) -> None:
    """Give a text field a maximum length after it was built: the validator (with a message that
    says how long the text is and may be) and the browser's maxlength."""
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(
        MaxLengthValidator(
            limit,
            message=_("Please keep it within %(limit_value)d characters (now %(show_value)d)."),
        )
    )
    field.widget.attrs["maxlength"] = str(limit)


# A whole number a database column holds everywhere (PostgreSQL's integer).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def bound_dates(field: forms.DateField) -> None:
    """Dates between FIRST_DAY and LAST_DAY: a typing error like 9999-12-31 is refused with a
    message instead of overflowing in the date arithmetic of a service or a report."""
    message = _("Enter a date between %(first)s and %(last)s.") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }
    field.validators += [MinValueValidator(FIRST_DAY, message), MaxValueValidator(LAST_DAY, message)]


def bound_integers(field: forms.IntegerField) -> None:
    """A number without its own bounds gets the integer column's, so 99999999999999999999 is a form
    error, not an overflow in the database driver."""
    if field.max_value is None:
        field.validators.append(MaxValueValidator(INT_MAX))
    if field.min_value is None:
        field.validators.append(MinValueValidator(INT_MIN))


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, refusing values that cannot be an id before they reach the
    database: Django bounds an `exact` lookup but not the `in` this field uses, and SQLite overflows
    on 99999999999999999999 (a server error instead of "not one of the choices")."""

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk":
            for pk in value or ():
                if parse_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


class StyledFormMixin:
    """Bootstrap classes on every widget, so templates can render fields as they are; every text
    field without a maximum length gets settings.TEXT_MAX, so no free text is unbounded; dates lie
    between 1900 and 2099 and whole numbers fit an integer column."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if (
                isinstance(field, forms.CharField)
                and field.max_length is None
                and not isinstance(widget, forms.HiddenInput)  # lists of ids, not text
            ):
                limit_length(field, settings.TEXT_MAX)
            elif isinstance(field, forms.DateField):
                bound_dates(field)
            elif isinstance(field, forms.IntegerField) and not isinstance(
                field, forms.FloatField | forms.DecimalField
            ):
                bound_integers(field)


def add_service_errors(form, exc) -> None:
    """A service's ValidationError shown on the form: per field where the form has the field, else
    at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
