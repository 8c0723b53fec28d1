from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sanwen.accountability.models import CommitmentState, GiftHandling, Grade
from sanwen.campaigns.models import Prohibition
from sanwen.core.forms import StyledFormMixin
from sanwen.core.versions import VersionField
from sanwen.org.models import Staff

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitmentForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("commitment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    due_on = forms.DateField(label=_("to be kept by"), widget=DATE)
    owner = forms.ChoiceField(label=_("whose commitment"), required=False)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("mine"))] + list(owners)
        if not owners:
            self.fields["owner"].widget = forms.HiddenInput()


class EvidenceForm(StyledFormMixin, forms.Form):
    evidence = forms.CharField(label=_("what was done (evidence)"), widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()


class JudgeForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("judgement"),
        choices=[(v, label) for v, label in CommitmentState.choices if v != CommitmentState.OPEN],
    )
    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = VersionField()


class GiftForm(StyledFormMixin, forms.Form):
    what = forms.CharField(label=_("what"), max_length=200)
    giver = forms.CharField(label=_("from whom"), max_length=100)
    value = forms.DecimalField(
        label=_("estimated value (yuan)"), min_value=0, max_digits=10, decimal_places=2
    )
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GiftHandleForm(StyledFormMixin, forms.Form):
    handling = forms.ChoiceField(
        label=_("handling"),
        choices=[(v, label) for v, label in GiftHandling.choices if v != GiftHandling.PENDING],
    )
    handled_on = forms.DateField(label=_("on"), widget=DATE)
    note = forms.CharField(label=_("note"), required=False)


class InternalReportForm(StyledFormMixin, forms.Form):
    prohibition = forms.ModelChoiceField(
        label=_("which prohibition (五不准)"), queryset=Prohibition.objects.none()
    )
    accused = forms.ModelChoiceField(
        label=_("staff member concerned (if known)"), queryset=Staff.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("what happened, where and when"), widget=forms.Textarea(attrs={"rows": 4})
    )
    anonymous = forms.BooleanField(label=_("report anonymously (your name is not recorded)"), required=False)

    def __init__(self, *args, campaign, bureau, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prohibition"].queryset = Prohibition.objects.filter(campaign=campaign, active=True)
        self.fields["accused"].queryset = (
            Staff.objects.filter(bureau=bureau, is_active=True).exclude(pk=user.pk).order_by("name")
        )


class InvestigateForm(StyledFormMixin, forms.Form):
    accused = forms.ModelChoiceField(
        label=_("staff member concerned"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, bureau, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accused"].queryset = (
            Staff.objects.filter(bureau=bureau, is_active=True).exclude(pk=user.pk).order_by("name")
        )


class NoteForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))


class ConcludeForm(StyledFormMixin, forms.Form):
    substantiated = forms.TypedChoiceField(
        label=_("conclusion"),
        choices=[("0", _("Not substantiated")), ("1", _("Substantiated"))],
        coerce=lambda v: v == "1",
    )
    findings = forms.CharField(label=_("findings"), widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(
        label=_("actions taken"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AssessmentForm(forms.Form):
    """The five comments (one field per dimension) and the grade."""

    grade = forms.ChoiceField(label=_("grade"), choices=[("", "—"), *Grade.choices], required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, comments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].widget.attrs["class"] = "form-select"
        for comment in comments:
            self.fields[f"comment_{comment.dimension_id}"] = forms.CharField(
                label=comment.dimension.name,
                required=False,
                max_length=settings.TEXT_MAX,
                initial=comment.text,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )

    def comments(self) -> dict:
        return {
            int(name.removeprefix("comment_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("comment_")
        }
