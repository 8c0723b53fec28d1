"""The public portal's writes: a client raises an item, the holder of its tracking code rates the
result. Both go through the cases services; the portal writes nothing itself."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.cases.models import ITEM_KINDS, Case, ContactKind, ItemKind, Source, State
from sanwen.cases.services import case_register, case_return_visit
from sanwen.core.text import clean_contact
from sanwen.org.models import Bureau, Place, PlaceLevel, Staff


def township_of(place: Place) -> Place | None:
    """The township a village (or natural village, possibly under a village committee) lies in."""
    while place is not None and place.level != PlaceLevel.TOWNSHIP:
        place = place.parent
    return place


@transaction.atomic
def portal_raise(
    *,
    bureau: Bureau,
    kind: str,
    text: str,
    township: Place | None,
    village: Place | None = None,
    name: str = "",
    phone: str = "",
    confidential: bool = False,
    photo=None,
    card_staff: Staff | None = None,
    on: datetime.date | None = None,
) -> Case:
    """A client's item from the portal becomes a case (source: public portal) with a tracking code.
    Nothing is stored unless everything is right."""
    errors: dict[str, list] = {}
    text = (text or "").strip()
    if kind not in ItemKind.values:
        errors["kind"] = [_("Choose what you are raising.")]
    if len(text) < 5:
        errors["text"] = [_("Please describe the matter in a few words (at least 5 characters).")]
    elif len(text) > settings.PORTAL_TEXT_MAX:
        errors["text"] = [
            _("Please keep it within %(max)d characters (now %(n)d).")
            % {"max": settings.PORTAL_TEXT_MAX, "n": len(text)}
        ]
    area_code = bureau.area.code if bureau.area_id else None
    if township is None:
        errors["township"] = [_("Choose your township.")]
    elif (
        township.level != PlaceLevel.TOWNSHIP
        or not area_code
        or not (township.code or "").startswith(area_code)
    ):
        errors["township"] = [_("This township is not served by this bureau.")]
    if village is not None and township is not None and township_of(village) != township:
        errors["village"] = [_("This village is not in the township you chose.")]
    name, phone = clean_contact(name, phone, errors)
    if card_staff is not None and (card_staff.bureau_id != bureau.pk or not card_staff.is_active):
        card_staff = None  # a card of another bureau, or of someone who left: the item still comes in
    if errors:
        raise ValidationError(errors)
    ask_kind, concern_kind = ITEM_KINDS[ItemKind(kind)]
    try:
        return case_register(
            bureau=bureau,
            by=None,
            description=text,
            ask_kind=ask_kind,
            concern_kind=concern_kind,
            source=Source.PORTAL,
            contact_name=name,
            contact_phone=phone,
            township=township,
            village=village,
            confidential=confidential,
            raised_on=on or timezone.localdate(),
            via_card_of=card_staff,
            photos=[photo] if photo else [],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "raised_on" in exc.error_dict:
            raise ValidationError(
                _("The bureau is not running the campaign at the moment; please call the bureau instead.")
            ) from exc
        raise


@transaction.atomic
def portal_rate(*, case: Case, satisfaction: str, comment: str = "", on: datetime.date | None = None) -> Case:
    """The holder of the tracking code rates the result, once per resolution; 不满意 reopens the case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != State.RESOLVED:
        if case.state in (State.VISITED, State.ARCHIVED):
            raise ValidationError(_("This result has already been rated. Thank you."))
        raise ValidationError(_("The matter is not resolved yet; you can rate it once it is."))
    comment = (comment or "").strip()
    if len(comment) > settings.PORTAL_TEXT_MAX:
        raise ValidationError(
            {"comment": [_("Please keep it within %(max)d characters.") % {"max": settings.PORTAL_TEXT_MAX}]}
        )
    return case_return_visit(
        case=case, by=None, satisfaction=satisfaction, comment=comment, channel=ContactKind.PORTAL, on=on
    )
