import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.campaigns.models import HandlingMode, Vehicle, VisitRole
from sanwen.cases.models import ItemKind
from sanwen.core.forms import IdsChoiceField, StyledFormMixin
from sanwen.core.params import FIRST_DAY, LAST_DAY, parse_id
from sanwen.core.versions import VersionField
from sanwen.fieldwork.models import Channel, LeaveKind, LedgerScope, MeetingKind
from sanwen.fieldwork.services import accuracy_metres
from sanwen.org.models import ContactPoint, Place, Staff

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_ITEMS = 10


def _staff_choices(bureau):
    return (
        Staff.objects.filter(bureau=bureau, is_active=True)
        .select_related("department")
        .order_by("department__order", "name")
    )


def _villages(bureau):
    return (
        Place.objects.within(bureau.area.code)
        .filter(level__in=("village", "township", "natural"))
        .order_by("code", "name")
    )


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultiFileField, self).clean(f, initial) for f in files]


class VisitForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label=_("date"), widget=DATE)
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.FACE)
    households = forms.CharField(widget=forms.HiddenInput, required=False)
    staff = IdsChoiceField(
        label=_("staff on the visit"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("You are on it; add colleagues who came with you."),
    )
    vehicles = IdsChoiceField(
        label=_("activity vehicles (三送三抓)"),
        queryset=Vehicle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = IdsChoiceField(
        label=_("roles played (五员)"),
        queryset=VisitRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    diary = forms.CharField(
        label=_("sentiment diary (民情日志)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw and heard."),
    )
    photos = MultiFileField(
        label=_("photos"),
        required=False,
        widget=MultiFileInput(attrs={"accept": "image/*", "multiple": True}),
        help_text=_("Up to 9 photos, 10 MB each; location and camera data are removed."),
    )
    latitude = forms.CharField(widget=forms.HiddenInput, required=False)
    longitude = forms.CharField(widget=forms.HiddenInput, required=False)
    accuracy = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bureau, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff_choices(bureau)
        self.fields["vehicles"].queryset = Vehicle.objects.filter(campaign=campaign, active=True)
        self.fields["roles"].queryset = VisitRole.objects.filter(campaign=campaign, active=True)
        for name in ("vehicles", "roles"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    households_required = True

    def clean_households(self):
        ids = [parse_id(p) for p in self.cleaned_data.get("households", "").split(",") if p.strip()]
        if None in ids:
            raise forms.ValidationError(_("Choose the households from the search results."))
        if self.households_required and not ids:
            raise forms.ValidationError(_("Choose at least one household."))
        return ids

    def clean_accuracy(self):
        return accuracy_metres(self.cleaned_data.get("accuracy", ""))


class ItemForm(StyledFormMixin, forms.Form):
    """An item raised on a visit or at a meeting; it becomes a case (or a suggestion)."""

    kind = forms.ChoiceField(label=_("kind"), choices=ItemKind.choices)
    household = forms.CharField(label=_("raised by"), required=False, widget=forms.Select)
    text = forms.CharField(label=_("what was raised"), widget=forms.Textarea(attrs={"rows": 2}))
    mode = forms.ModelChoiceField(
        label=_("handling mode"), queryset=HandlingMode.objects.none(), required=False
    )
    resolved = forms.CharField(
        label=_("resolved on the spot: how"),
        required=False,
        help_text=_("Only for 立即办: what was done there and then."),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].queryset = HandlingMode.objects.filter(campaign=campaign, active=True)
        self.fields["mode"].empty_label = _("immediate (立即办) unless the head decides otherwise")


ItemFormSet = forms.formset_factory(ItemForm, extra=0, max_num=MAX_ITEMS, validate_max=True)


class FieldDayForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label=_("date"), widget=DATE)
    village = forms.ModelChoiceField(label=_("place"), queryset=Place.objects.none(), required=False)
    activity = forms.CharField(label=_("what was done"), max_length=200)

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = _villages(bureau)


class LeaveForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=LeaveKind.choices)
    start = forms.DateField(label=_("first day"), widget=DATE)
    end = forms.DateField(label=_("last day"), widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=200)


class DecisionForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"), choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class MeetingForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("title"), max_length=100)
    on = forms.DateField(label=_("date"), widget=DATE)
    village = forms.ModelChoiceField(
        label=_("village"),
        queryset=Place.objects.none(),
        required=False,
        help_text=_("If held in a village, it counts as a field day for the staff attending."),
    )
    place = forms.CharField(label=_("venue"), max_length=100)
    staff = IdsChoiceField(label=_("staff attending"), queryset=Staff.objects.none(), required=False)
    households = forms.CharField(widget=forms.HiddenInput, required=False)
    other_attendees = forms.IntegerField(label=_("other attendees"), min_value=0, initial=0)
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(
        label=_("decisions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    vehicles = IdsChoiceField(
        label=_("activity vehicles (三送三抓)"),
        queryset=Vehicle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, bureau, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff_choices(bureau)
        self.fields["village"].queryset = _villages(bureau)
        self.fields["vehicles"].queryset = Vehicle.objects.filter(campaign=campaign, active=True)
        self.fields["vehicles"].widget.attrs["class"] = "form-check-input"

    households_required = False
    clean_households = VisitForm.clean_households


class ResearchForm(StyledFormMixin, forms.Form):
    topic = forms.CharField(label=_("topic"), max_length=100)
    started_on = forms.DateField(label=_("started on"), widget=DATE)
    contact_point = forms.ModelChoiceField(
        label=_("contact point"), queryset=ContactPoint.objects.none(), required=False
    )

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].queryset = ContactPoint.objects.filter(bureau=bureau).select_related(
            "staff", "village"
        )


class ResearchUpdateForm(StyledFormMixin, forms.Form):
    findings = forms.CharField(
        label=_("findings and recommendations"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    report = forms.FileField(label=_("research report"), required=False)
    reported_on = forms.DateField(label=_("report finished on"), widget=DATE, required=False)
    visits = forms.CharField(
        label=_("visits that fed it"),
        required=False,
        help_text=_("Visit numbers separated by commas, as shown in the visit list."),
    )
    version = VersionField()

    def clean_visits(self):
        raw = [
            p.strip() for p in self.cleaned_data.get("visits", "").replace("，", ",").split(",") if p.strip()
        ]
        ids = [parse_id(p) for p in raw]
        if None in ids:
            raise forms.ValidationError(_("Give visit numbers separated by commas."))
        return ids


class LedgerForm(StyledFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("kept for"), choices=LedgerScope.choices)
    contact_point = forms.ModelChoiceField(
        label=_("contact point"), queryset=ContactPoint.objects.none(), required=False
    )
    village = forms.ModelChoiceField(label=_("village"), queryset=Place.objects.none(), required=False)
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=Staff.objects.none(), required=False)
    title = forms.CharField(label=_("title"), max_length=100, required=False)
    opened_on = forms.DateField(label=_("opened on"), widget=DATE)

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].queryset = ContactPoint.objects.filter(bureau=bureau).select_related(
            "staff", "village"
        )
        self.fields["village"].queryset = _villages(bureau)
        self.fields["staff"].queryset = _staff_choices(bureau)


class ReviewForm(StyledFormMixin, forms.Form):
    remark = forms.CharField(label=_("remark"), widget=forms.Textarea(attrs={"rows": 3}))


def parse_month(value: str | None, today: datetime.date | None = None) -> datetime.date:
    """'2026-03' → 2026-03-01; anything else → this month."""
    today = today or timezone.localdate()
    try:
        month = datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    return month if FIRST_DAY <= month <= LAST_DAY else today.replace(day=1)  # 9999-12 overflows later


def items_from(formset, households) -> list[dict]:
    """The item forms as service dicts; an item's client is one of the chosen households
    (the page and the phone's outbox read the item forms the same way)."""
    by_id = {str(h.pk): h for h in households}
    items = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        household = by_id.get(str(data.get("household") or ""))
        if household is None and len(households) == 1:
            household = households[0]
        items.append({**data, "household": household})
    return items
