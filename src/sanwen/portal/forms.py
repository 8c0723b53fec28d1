from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sanwen.campaigns.models import Prohibition
from sanwen.cases.models import ItemKind, Satisfaction
from sanwen.core.forms import StyledFormMixin, limit_length
from sanwen.org.models import Place, PlaceLevel
from sanwen.portal.services import township_of

# What each kind means, in the words a farmer or retailer would use.
KIND_HINTS = {
    ItemKind.NEED: _("something you need from us"),
    ItemKind.WORRY: _("something you are worried about"),
    ItemKind.GRIEVANCE: _("something you are unhappy or angry about"),
    ItemKind.DIFFICULTY: _("a difficulty in planting or business"),
    ItemKind.SUGGESTION: _("an idea for us"),
    ItemKind.OPINION: _("what you think of our work"),
}


class HoneypotMixin:
    """A `website` field people never see (the stylesheet hides it) and robots fill in."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _(
                    "This looks like an automatic submission (a hidden field was filled in). If you are a "
                    "person, reload the page and fill it in again."
                )
            )
        return cleaned


class VillageSelect(forms.Select):
    """Options carry their township, so the page can show only the villages of the chosen one."""

    township_of: dict = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        township = self.township_of.get(str(value))
        if township:
            option["attrs"]["data-township"] = township
        return option


class RaiseForm(HoneypotMixin, StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you raising?"),
        choices=ItemKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you are raising."),
            "invalid_choice": _("Choose what you are raising."),
        },
    )
    text = forms.CharField(
        label=_("Tell us about it"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, where, since when, and what you would like us to do."),
        error_messages={"required": _("Please describe the matter in a few words (at least 5 characters).")},
    )
    township = forms.TypedChoiceField(
        label=_("township"),
        coerce=int,
        error_messages={
            "required": _("Choose your township."),
            "invalid_choice": _("This township is not served by this bureau."),
        },
    )
    village = forms.TypedChoiceField(
        label=_("village"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("This village is not in the township you chose.")},
    )
    photo = forms.FileField(
        label=_("photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("One picture, at most 10 MB. Where it was taken and with which phone is removed."),
    )
    name = forms.CharField(label=_("your name (optional)"), max_length=32, required=False)
    phone = forms.CharField(
        label=_("mobile phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Needed if you want us to call you back about the result (回访)."),
    )
    confidential = forms.BooleanField(
        label=_(
            "Keep my name and phone confidential (only the case owner and the bureau's leaders see them)"
        ),
        required=False,
    )
    sms_consent = forms.BooleanField(
        label=_("Send me an SMS with the tracking code when it is registered and when it is resolved"),
        required=False,
    )
    # Honeypot: hidden from people by the stylesheet; robots fill every field they find.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sms_consent") and not cleaned.get("phone"):
            self.add_error("sms_consent", _("To receive SMS, leave a mobile phone number."))
        return cleaned

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], settings.PORTAL_TEXT_MAX)
        places = list(
            Place.objects.within(bureau.area.code)
            .filter(level__in=(PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE))
            .select_related("parent", "parent__parent")
            .order_by("code", "name")
        )
        townships = [p for p in places if p.level == PlaceLevel.TOWNSHIP]
        self.places = {p.pk: p for p in places}
        villages, mapping = [], {}
        for place in places:
            if place.level == PlaceLevel.TOWNSHIP:
                continue
            township = township_of(place)
            if township is not None:
                villages.append((place.pk, place.name))
                mapping[str(place.pk)] = str(township.pk)
        self.fields["township"].choices = [("", _("— choose —"))] + [(t.pk, t.name) for t in townships]
        widget = VillageSelect()
        widget.township_of = mapping
        widget.choices = [("", _("— choose (optional) —"))] + villages
        self.fields["village"].widget = widget
        self.fields["village"].choices = widget.choices
        self.fields["village"].widget.attrs["class"] = "form-select"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["photo"].widget.attrs["class"] = "visually-hidden"

    def place(self, name):
        value = self.cleaned_data.get(name)
        return self.places.get(value) if value else None


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg code-input",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXXX-XXXXX",
            }
        ),
    )


class RateForm(StyledFormMixin, forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied with the result?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If you are not satisfied, tell us why: the matter will be handled again."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["satisfaction"].widget.attrs["class"] = "form-check-input"
        limit_length(self.fields["comment"], settings.PORTAL_TEXT_MAX)


class MisconductForm(HoneypotMixin, StyledFormMixin, forms.Form):
    """A report of a breach of the 五不准 from the public: anonymous unless the reporter says otherwise."""

    prohibition = forms.ModelChoiceField(
        label=_("Which of the five prohibitions was broken?"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose which of the five prohibitions was broken.")},
    )
    description = forms.CharField(
        label=_("What happened, where and when"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what happened, where and when (at least 10 characters).")},
    )
    accused_text = forms.CharField(label=_("Who (name or post, if you know)"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False, initial=True)
    name = forms.CharField(label=_("your name (optional)"), max_length=32, required=False)
    phone = forms.CharField(
        label=_("mobile phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text=_("Only if you want the inspectors to be able to reach you; ignored when anonymous."),
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prohibition"].queryset = Prohibition.objects.filter(
            campaign=campaign, active=True
        ).order_by("order", "pk")
        self.fields["prohibition"].widget.attrs["class"] = "form-check-input"
        limit_length(self.fields["description"], settings.PORTAL_TEXT_MAX)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
