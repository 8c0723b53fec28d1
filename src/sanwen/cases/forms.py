from django import forms
from django.utils.translation import gettext_lazy as _

from sanwen.campaigns.models import CaseCategory, DeedKind, HandlingMode, Vehicle
from sanwen.cases.models import AskKind, ConcernKind, ContactKind, Evaluation, Satisfaction, Source
from sanwen.core.forms import StyledFormMixin
from sanwen.org.models import Staff

DATE = {"type": "date"}


class VersionedForm(StyledFormMixin, forms.Form):
    """Carries the case version the user saw, so a concurrent change is caught, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RegisterForm(StyledFormMixin, forms.Form):
    description = forms.CharField(label=_("what the client said"), widget=forms.Textarea(attrs={"rows": 4}))
    title = forms.CharField(label=_("summary"), max_length=100, required=False)
    ask_kind = forms.ChoiceField(label=_("ask kind"), choices=AskKind.choices)
    concern_kind = forms.ChoiceField(
        label=_("concern kind"), choices=[("", "—"), *ConcernKind.choices], required=False
    )
    source = forms.ChoiceField(label=_("source"), choices=Source.choices, initial=Source.PHONE)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=CaseCategory.objects.none(), required=False
    )
    mode = forms.ModelChoiceField(label=_("handling mode"), queryset=HandlingMode.objects.none())
    household = forms.IntegerField(widget=forms.HiddenInput, required=False)
    contact_name = forms.CharField(label=_("contact name"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
    raised_on = forms.DateField(label=_("raised on"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    confidential = forms.BooleanField(label=_("confidential"), required=False)
    resolve_on_the_spot = forms.CharField(
        label=_("Resolved on the spot: the result"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for 立即办: leave empty unless it was settled during the visit or call."),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.filter(campaign=campaign, active=True)
        self.fields["mode"].queryset = HandlingMode.objects.filter(campaign=campaign, active=True)


class RegisterPageForm(RegisterForm):
    """The registration page asks for the client's consent to SMS (sanwen.notify); the API does not."""

    sms_consent = forms.BooleanField(
        label=_("The client agrees to an SMS with the tracking code when registered and when resolved"),
        required=False,
    )


class AcceptForm(VersionedForm):
    mode = forms.ModelChoiceField(label=_("handling mode"), queryset=HandlingMode.objects.none())
    deadline = forms.DateField(
        label=_("explicit deadline (限期办)"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].queryset = HandlingMode.objects.filter(campaign=case.campaign_id, active=True)


class DeclineForm(VersionedForm):
    reason = forms.CharField(label=_("reason for declining"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(VersionedForm):
    owner = forms.ModelChoiceField(label=_("owner"), queryset=Staff.objects.none())

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            Staff.objects.filter(bureau=case.bureau_id, is_active=True)
            .select_related("department")
            .order_by("department__order", "name")
        )
        self.fields["owner"].label_from_instance = lambda s: f"{s.department or ''} · {s.name}"


class NoteForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("publish on the public board"), required=False)


class ContactForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ContactKind.choices)
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    note = forms.CharField(label=_("note"), required=False)


class PartnerForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("partner organisation"), max_length=100)
    kind = forms.CharField(label=_("kind"), max_length=32, required=False)
    contribution = forms.CharField(label=_("what they did"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(StyledFormMixin, forms.Form):
    until = forms.DateField(label=_("new time limit"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"), coerce=lambda v: v == "yes", choices=[("yes", _("Approve")), ("no", _("Refuse"))]
    )
    note = forms.CharField(label=_("decision note"), required=False)


class ResolveForm(VersionedForm):
    resolution = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 3}))
    evaluation = forms.ChoiceField(
        label=_("evaluation (suggestions)"), choices=[("", "—"), *Evaluation.choices], required=False
    )
    evaluation_reason = forms.CharField(label=_("reason of the evaluation"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a suggestion (问计) is evaluated: other cases are not asked for it.
        if case is not None and case.ask_kind != AskKind.SUGGESTION:
            del self.fields["evaluation"], self.fields["evaluation_reason"]


class ReturnVisitForm(VersionedForm):
    satisfaction = forms.ChoiceField(label=_("satisfaction"), choices=Satisfaction.choices)
    channel = forms.ChoiceField(label=_("channel"), choices=ContactKind.choices)
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(VersionedForm):
    into = forms.CharField(label=_("merge into case number"), max_length=12, help_text=_("e.g. 2026-00012"))


class FollowUpForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("what the follow-up found"), widget=forms.Textarea(attrs={"rows": 2}))


class DeedForm(StyledFormMixin, forms.Form):
    kind = forms.ModelChoiceField(label=_("kind"), queryset=DeedKind.objects.none())
    quantity = forms.DecimalField(label=_("quantity"), max_digits=10, decimal_places=1, min_value=0.1)
    vehicle = forms.ModelChoiceField(label=_("vehicle"), queryset=Vehicle.objects.none(), required=False)
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    description = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 2}))
    cases = forms.CharField(
        label=_("linked case numbers"), required=False, help_text=_("e.g. 2026-00012, 2026-00015")
    )
    public = forms.BooleanField(label=_("on the public board"), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = DeedKind.objects.filter(campaign=campaign, active=True)
        self.fields["kind"].label_from_instance = lambda k: f"{k.name}（{k.unit}）"
        self.fields["vehicle"].queryset = Vehicle.objects.filter(campaign=campaign, active=True)


class BatchForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    deadline = forms.DateField(
        label=_("batch deadline"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )


class BatchResolveForm(StyledFormMixin, forms.Form):
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 3}))


class BatchAddForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("case number"), max_length=12)
