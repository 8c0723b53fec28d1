from django import forms
from django.utils.translation import gettext_lazy as _

from sanwen.core.forms import StyledFormMixin
from sanwen.notify.models import Channel, Status
from sanwen.notify.outbox import group_may_carry
from sanwen.notify.services import CHOOSABLE, STAFF_TOPICS

TIME = {"type": "time", "step": 60}


class PreferencesForm(StyledFormMixin, forms.Form):
    """One row of channel boxes per kind of notice, and the quiet hours."""

    quiet_start = forms.TimeField(
        label=_("quiet hours from"), required=False, widget=forms.TimeInput(attrs=TIME)
    )
    quiet_end = forms.TimeField(
        label=_("quiet hours until"), required=False, widget=forms.TimeInput(attrs=TIME)
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, chosen: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for topic in STAFF_TOPICS:
            self.fields[f"t_{topic.value}"] = forms.MultipleChoiceField(
                label=topic.label,
                # A group robot is offered only for what the whole department group may read.
                choices=[
                    (c.value, c.label) for c in CHOOSABLE if c != Channel.ROBOT or group_may_carry(topic)
                ],
                required=False,
                initial=chosen.get(topic.value, []),
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                error_messages={"invalid_choice": _("Choose among the channels shown.")},
            )

    def topic_fields(self):
        return [self[f"t_{topic.value}"] for topic in STAFF_TOPICS]

    def channels(self) -> dict:
        return {topic.value: self.cleaned_data[f"t_{topic.value}"] for topic in STAFF_TOPICS}

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(
                _("Give both ends of the quiet hours, or neither (the default 22:00–07:00).")
            )
        return data


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("state"),
        choices=[("", "—"), *Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[("", "—"), *Channel.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
