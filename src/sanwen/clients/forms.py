from django import forms
from django.utils.translation import gettext_lazy as _

from sanwen.clients.models import BusinessFormat, HouseholdKind, MarketType
from sanwen.clients.services import places_for_bureau
from sanwen.core.forms import StyledFormMixin
from sanwen.core.versions import VersionField
from sanwen.org.models import PlaceLevel


class HouseholdForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=HouseholdKind.choices)
    name = forms.CharField(label=_("name"), max_length=32)
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    id_number = forms.CharField(label=_("resident ID number"), max_length=24, required=False)
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=24, required=False)
    township = forms.ModelChoiceField(label=_("township"), queryset=None)
    village = forms.ModelChoiceField(label=_("village"), queryset=None, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    market_type = forms.ChoiceField(
        label=_("market type"), choices=[("", "—"), *MarketType.choices], required=False
    )
    business_format = forms.ChoiceField(
        label=_("business format"), choices=[("", "—"), *BusinessFormat.choices], required=False
    )
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = VersionField()

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        places = places_for_bureau(bureau).select_related("parent")
        self.fields["township"].queryset = places.filter(level=PlaceLevel.TOWNSHIP)
        self.fields["village"].queryset = places.exclude(level=PlaceLevel.TOWNSHIP)
        self.fields["village"].label_from_instance = lambda p: f"{p.parent.name} · {p.name}"


class LicenceForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("licence number"), max_length=20)
    business_name = forms.CharField(label=_("business name"), max_length=100, required=False)
    valid_from = forms.DateField(
        label=_("valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("valid to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    supplier = forms.CharField(label=_("supplier"), max_length=100, required=False)


class RenewalForm(StyledFormMixin, forms.Form):
    applied_on = forms.DateField(
        label=_("applied on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("new expiry date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    on_the_spot = forms.BooleanField(label=_("handled on the spot"), required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    version = VersionField()


class ContractForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("contract year"), min_value=2000, max_value=2100)
    area_mu = forms.DecimalField(label=_("area (mu)"), max_digits=7, decimal_places=1, min_value=0.1)
    contracted_kg = forms.IntegerField(label=_("contracted quantity (kg)"), min_value=0, required=False)
    variety = forms.CharField(label=_("variety"), max_length=32, required=False)
    barns = forms.IntegerField(label=_("curing barns"), min_value=0, initial=0, required=False)
    # The versions of the contracts the page showed, as "year:version,…" (the stale-form check).
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_seen(self) -> dict[int, int] | None:
        raw = self.cleaned_data.get("seen")
        if raw is None or "seen" not in self.data:
            return None
        try:
            return {int(y): int(v) for y, v in (p.split(":") for p in raw.split(",") if p)}
        except ValueError as exc:
            raise forms.ValidationError(_("Reload the page and try again.")) from exc


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))
