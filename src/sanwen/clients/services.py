import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanwen.clients import rules
from sanwen.clients.models import (
    ApplicationKind,
    Household,
    HouseholdKind,
    LicenceApplication,
    LicenceStatus,
    PlantingContract,
    RetailLicence,
)
from sanwen.core.access import may_unmask_household
from sanwen.core.audit import audit_create, audit_note, audit_update, snapshot
from sanwen.core.models import AuditAction
from sanwen.core.text import (
    clean_spaces,
    search_key,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)
from sanwen.core.versions import STALE, stale_message, version_claim
from sanwen.org.models import Place, PlaceLevel

HOUSEHOLD_FIELDS = (
    "kind",
    "name",
    "phone",
    "id_number",
    "credit_code",
    "township",
    "village",
    "address",
    "market_type",
    "business_format",
    "note",
    "active",
)


def household_clean(*, bureau, data: dict) -> dict:
    """Validate and normalise household fields; raises ValidationError naming each bad field."""
    errors: dict[str, list] = {}
    cleaned = dict(data)
    cleaned["name"] = clean_spaces(data.get("name"))
    if not cleaned["name"]:
        errors.setdefault("name", []).append(_("The name is required."))
    if data.get("kind") not in HouseholdKind.values:
        errors.setdefault("kind", []).append(_("Choose farmer or retailer."))
    for field, check in (
        ("phone", validate_mobile),
        ("id_number", validate_resident_id),
        ("credit_code", validate_credit_code),
    ):
        value = data.get(field) or ""
        if str(value).strip():
            try:
                cleaned[field] = check(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
        else:
            cleaned[field] = ""
    township, village = data.get("township"), data.get("village")
    area = bureau.area
    if township is None:
        errors.setdefault("township", []).append(_("The township is required."))
    elif township.level != PlaceLevel.TOWNSHIP or not (township.code or "").startswith(area.code or "-"):
        errors.setdefault("township", []).append(_("This township is not in the bureau's area."))
    if (
        village is not None
        and township is not None
        and village.parent_id != township.id
        and (village.parent is None or village.parent.parent_id != township.id)
    ):
        errors.setdefault("village", []).append(_("This village is not in the chosen township."))
    cleaned["address"] = clean_spaces(data.get("address"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def household_search_key(household: Household, licences=None) -> str:
    if licences is None:
        licences = list(household.licences.all()) if household.pk else []
    return search_key(
        household.name,
        household.phone,
        household.id_number,
        *[lic.number for lic in licences],
        *[lic.business_name for lic in licences],
        names=(household.name, *[lic.business_name for lic in licences]),
    )[:400]


@transaction.atomic
def household_create(*, bureau, by, **data) -> Household:
    cleaned = household_clean(bureau=bureau, data=data)
    household = Household(bureau=bureau, **{k: v for k, v in cleaned.items() if k in HOUSEHOLD_FIELDS})
    household.search_key = household_search_key(household, licences=[])
    household.save()
    audit_create(by=by, obj=household)
    return household


@transaction.atomic
def household_update(*, household: Household, by, version: int | None = None, **data) -> Household:
    """`version`: the one the form was opened at; a household changed since is refused (stale form)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = snapshot(household, HOUSEHOLD_FIELDS)
    merged = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS} | data
    cleaned = household_clean(bureau=household.bureau, data=merged)
    version_claim(household, version)
    for field in HOUSEHOLD_FIELDS:
        setattr(household, field, cleaned[field])
    household.search_key = household_search_key(household)
    household.save()
    audit_update(by=by, obj=household, before=before)
    return household


def household_can_reveal(*, household: Household, user) -> bool:
    return may_unmask_household(household, user)


@transaction.atomic
def household_reveal(*, household: Household, by) -> dict:
    """The household's personal numbers in full; each reveal is written to the audit trail."""
    if not household_can_reveal(household=household, user=by):
        raise PermissionDenied
    numbers = {
        "phone": household.phone,
        "id_number": household.id_number,
        "credit_code": household.credit_code,
        "licences": [lic.number for lic in household.licences.all()],
    }
    audit_note(by=by, obj=household, action=AuditAction.UNMASK, note=_("Personal numbers shown in full."))
    return numbers


def _licence_clean(*, bureau, number, valid_from, valid_to, exclude_pk=None, household=None) -> str:
    errors = {}
    county = rules.county_code_of(household.township, household.village) if household is not None else ""
    try:
        number = rules.clean_licence_number(number, area_code=bureau.area.code, county_code=county)
        if RetailLicence.objects.filter(number=number).exclude(pk=exclude_pk).exists():
            errors["number"] = [_("Licence number %(n)s is already registered.") % {"n": number}]
    except ValidationError as exc:
        errors["number"] = exc.messages
    try:
        rules.clean_term(valid_from, valid_to)
    except ValidationError as exc:
        errors["valid_to"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return number


def _refresh_search_key(household: Household) -> None:
    household.search_key = household_search_key(household)
    household.save(update_fields=["search_key", "updated_at"])


@transaction.atomic
def licence_create(
    *,
    household: Household,
    by,
    number: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    business_name: str = "",
    address: str = "",
    supplier: str = "",
    issuer: str = "",
    scope: str = "",
    holder: str = "",
    applied_on: datetime.date | None = None,
) -> RetailLicence:
    if household.kind != HouseholdKind.RETAILER:
        raise ValidationError({"number": [_("Only a retailer holds a retail licence.")]})
    number = _licence_clean(
        bureau=household.bureau, number=number, valid_from=valid_from, valid_to=valid_to, household=household
    )
    licence = RetailLicence.objects.create(
        bureau=household.bureau,
        household=household,
        number=number,
        holder=clean_spaces(holder) or household.name,
        business_name=clean_spaces(business_name),
        address=clean_spaces(address) or household.address,
        supplier=clean_spaces(supplier) or household.bureau.name,
        issuer=clean_spaces(issuer) or household.bureau.name,
        scope=clean_spaces(scope) or RetailLicence._meta.get_field("scope").default,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    LicenceApplication.objects.create(
        bureau=household.bureau,
        licence=licence,
        kind=ApplicationKind.NEW,
        applied_on=applied_on or valid_from,
        decided_on=valid_from,
    )
    audit_create(by=by, obj=licence)
    _refresh_search_key(household)
    return licence


@transaction.atomic
def licence_renew(
    *,
    licence: RetailLicence,
    by,
    applied_on: datetime.date,
    valid_to: datetime.date,
    on_the_spot: bool = False,
    note: str = "",
    version: int | None = None,
) -> RetailLicence:
    """延续: applied for at least 30 days before expiry; keeps the number; a new term of at most 5 years.
    `version`: the one the form was opened at; a licence changed since is refused (stale form)."""
    licence = RetailLicence.objects.select_for_update().get(pk=licence.pk)
    version_claim(licence, version)
    if licence.status == LicenceStatus.CLOSED:
        raise ValidationError(_("A closed licence cannot be renewed; apply for a new one."))
    deadline = rules.renewal_deadline(licence.valid_to)
    if applied_on > deadline:
        raise ValidationError(
            {
                "applied_on": [
                    _(
                        "A renewal must be applied for at least %(n)d days before the licence expires (by %(d)s)."
                    )
                    % {"n": rules.RENEWAL_LEAD_DAYS, "d": deadline}
                ]
            }
        )
    new_from = licence.valid_to + datetime.timedelta(days=1)
    try:
        rules.clean_term(new_from, valid_to)
    except ValidationError as exc:
        raise ValidationError({"valid_to": exc.messages}) from exc
    before = snapshot(licence)
    licence.valid_from, licence.valid_to = new_from, valid_to
    licence.save(update_fields=["valid_from", "valid_to", "version", "updated_at"])
    LicenceApplication.objects.create(
        bureau=licence.bureau,
        licence=licence,
        kind=ApplicationKind.RENEW,
        applied_on=applied_on,
        decided_on=applied_on,
        on_the_spot=on_the_spot,
        note=clean_spaces(note),
    )
    audit_update(
        by=by,
        obj=licence,
        before=before,
        note=_("Renewal") + (" · " + _("on the spot") if on_the_spot else ""),
    )
    return licence


def contract_clean(*, year, area_mu, contracted_kg=None, barns=0) -> dict:
    errors = {}
    try:
        area = Decimal(str(area_mu)).quantize(Decimal("0.1"))
        if area <= 0 or area > 10000:
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["area_mu"] = [_("The planted area is a positive number of mu, e.g. 12.5.")]
        area = None
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("The contract year is a four-digit year, e.g. 2026.")]
    if contracted_kg is not None and (not isinstance(contracted_kg, int) or contracted_kg < 0):
        errors["contracted_kg"] = [_("The contracted quantity is a whole number of kilograms.")]
    if errors:
        raise ValidationError(errors)
    return {"year": year, "area_mu": area, "contracted_kg": contracted_kg, "barns": barns or 0}


@transaction.atomic
def contract_save(
    *,
    household: Household,
    by,
    year: int,
    area_mu,
    contracted_kg: int | None = None,
    variety: str = "",
    barns: int = 0,
    version: int | None = None,
) -> PlantingContract:
    """Create or replace the household's planting contract for the year. `version`: the one of the
    year's contract the form was opened at, 0 for a form opened when the year had none; a contract
    changed (or created) since is refused (stale form)."""
    if household.kind != HouseholdKind.FARMER:
        raise ValidationError({"year": [_("Only a farmer holds a planting contract.")]})
    cleaned = contract_clean(year=year, area_mu=area_mu, contracted_kg=contracted_kg, barns=barns)
    existing = (
        PlantingContract.objects.select_for_update()
        .filter(household=household, year=year)
        .order_by("pk")
        .first()
    )
    values = {
        "area_mu": cleaned["area_mu"],
        "contracted_kg": cleaned["contracted_kg"],
        "variety": clean_spaces(variety),
        "barns": cleaned["barns"],
    }
    if existing:
        version_claim(existing, version)
        before = snapshot(existing)
        for k, v in values.items():
            setattr(existing, k, v)
        existing.save()
        audit_update(by=by, obj=existing, before=before)
        return existing
    if version:
        # The form showed a contract that is no longer there.
        raise ValidationError(stale_message(), code=STALE)
    contract = PlantingContract.objects.create(
        bureau=household.bureau, household=household, year=year, **values
    )
    audit_create(by=by, obj=contract)
    return contract


def places_for_bureau(bureau):
    """Townships and villages in the bureau's area, for forms and filters."""
    return Place.objects.within(bureau.area.code).filter(
        level__in=[PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE]
    )
