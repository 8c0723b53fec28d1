"""Records a phone kept in its outbox while it had no signal, uploaded later as the page form's own
fields (multipart, photos included). They are checked with the very forms the pages use, against
the campaign running on the record's date (not today's) and the date window, and saved by the same
services; every refusal is a ValidationError whose messages name the field in the user's language,
so the phone can show why and the person can correct and resend."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.campaigns.models import Campaign
from sanwen.clients.models import Household
from sanwen.core.access import visible
from sanwen.fieldwork import services
from sanwen.fieldwork.forms import FieldDayForm, ItemFormSet, MeetingForm, VisitForm, items_from
from sanwen.fieldwork.models import FieldDay, Meeting, Visit


def date_window_days() -> int:
    """How many days after it happened a record is still accepted (FIELDWORK_DATE_WINDOW_DAYS)."""
    return settings.FIELDWORK_DATE_WINDOW_DAYS


def check_window(on: datetime.date | None, errors: dict, field: str = "on") -> None:
    """A record arrives at most `date_window_days()` after its date; the future is refused by the
    services themselves."""
    if on is None:
        return
    days = date_window_days()
    earliest = timezone.localdate() - datetime.timedelta(days=days)
    if on < earliest:
        errors.setdefault(field, []).append(
            _(
                "The date %(day)s is outside the window: records are accepted up to %(n)d days after the day (from %(earliest)s)."
            )
            % {"day": on, "n": days, "earliest": earliest}
        )


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _campaign(user, on, errors: dict):
    if on is None:
        errors.setdefault("on", []).append(_("Give the date as 2026-03-05."))
        return None
    campaign = Campaign.objects.current(user.bureau, on)
    if campaign is None:
        errors.setdefault("on", []).append(_("No campaign of the bureau runs on %(day)s.") % {"day": on})
    return campaign


def _labelled(form, errors: dict) -> None:
    """The form's errors, each message prefixed with its field's label (the phone shows them out of
    the form, in a list)."""
    for name, messages in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for message in messages:
            errors.setdefault(name if name in form.fields else "__all__", []).append(
                f"{label}：{message}" if label else str(message)
            )


def _item_errors(formset, errors: dict) -> None:
    for n, form_errors in enumerate(formset.errors, start=1):
        for name, messages in form_errors.items():
            label = formset.forms[n - 1].fields[name].label if name in formset.forms[n - 1].fields else ""
            for message in messages:
                errors.setdefault("items", []).append(
                    _("Item %(n)d: %(message)s")
                    % {"n": n, "message": f"{label}：{message}" if label else message}
                )
    for message in formset.non_form_errors():
        errors.setdefault("items", []).append(str(message))


def _households(user, ids: list[int], errors: dict) -> list:
    """The chosen households as this user may see them now; one that is gone (merged into another
    record, deleted, moved out of reach) or no longer active is refused by name of its id."""
    found = {
        h.pk: h
        for h in visible(Household.objects.select_related("township", "village"), user).filter(pk__in=ids)
    }
    gone = [i for i in ids if i not in found or not found[i].active]
    if gone:
        errors.setdefault("households", []).append(
            _(
                "A household chosen on the phone is no longer in the register (merged or removed meanwhile): choose it again (numbers %(ids)s)."
            )
            % {"ids": ", ".join(map(str, gone))}
        )
    return [found[i] for i in ids if i in found]


def _note(recorded_at: str) -> str:
    """The audit trail's note: when the phone recorded it (the entry's own time is its arrival)."""
    at = (recorded_at or "").strip()[:40]
    return _("Recorded offline on the phone at %(at)s; uploaded from its outbox.") % {"at": at} if at else ""


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def visit_submit(*, user, data, files) -> Visit:
    errors: dict = {}
    on = _date(data.get("on"))
    campaign = _campaign(user, on, errors)
    check_window(on, errors)
    _raise(errors)
    form = VisitForm(data, files, bureau=user.bureau, campaign=campaign)
    items = ItemFormSet(data, prefix="items", form_kwargs={"campaign": campaign})
    if not form.is_valid():
        _labelled(form, errors)
    if not items.is_valid():
        _item_errors(items, errors)
    _raise(errors)
    cleaned = form.cleaned_data
    households = _households(user, cleaned["households"], errors)
    _raise(errors)
    return services.visit_record(
        bureau=user.bureau,
        by=user,
        on=cleaned["on"],
        channel=cleaned["channel"],
        diary=cleaned["diary"],
        households=households,
        staff=[user, *[p for p in cleaned["staff"] if p.pk != user.pk]],
        vehicles=cleaned["vehicles"],
        roles=cleaned["roles"],
        photos=files.getlist("photos"),
        latitude=cleaned["latitude"],
        longitude=cleaned["longitude"],
        accuracy=cleaned["accuracy"],
        items=items_from(items, households),
        note=_note(data.get("recorded_at")),
    )


def meeting_submit(*, user, data, files=None) -> Meeting:
    errors: dict = {}
    on = _date(data.get("on"))
    campaign = _campaign(user, on, errors)
    check_window(on, errors)
    _raise(errors)
    form = MeetingForm(data, bureau=user.bureau, campaign=campaign)
    items = ItemFormSet(data, prefix="items", form_kwargs={"campaign": campaign})
    if not form.is_valid():
        _labelled(form, errors)
    if not items.is_valid():
        _item_errors(items, errors)
    _raise(errors)
    cleaned = dict(form.cleaned_data)
    households = _households(user, cleaned.pop("households"), errors)
    _raise(errors)
    return services.meeting_record(
        bureau=user.bureau,
        by=user,
        households=households,
        staff=list(cleaned.pop("staff")) or [user],
        items=items_from(items, households),
        note=_note(data.get("recorded_at")),
        **cleaned,
    )


def field_day_submit(*, user, data, files=None) -> FieldDay:
    errors: dict = {}
    on = _date(data.get("on"))
    check_window(on, errors)
    _raise(errors)
    form = FieldDayForm(data, bureau=user.bureau)
    if not form.is_valid():
        _labelled(form, errors)
    _raise(errors)
    return services.field_day_record(
        by=user, staff=user, note=_note(data.get("recorded_at")), **form.cleaned_data
    )
