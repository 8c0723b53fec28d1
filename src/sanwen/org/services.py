import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanwen.core.audit import audit_create, audit_note, audit_update, snapshot
from sanwen.core.models import AuditAction
from sanwen.core.text import clean_spaces, digits, validate_mobile
from sanwen.core.vocabulary import terms
from sanwen.org.models import (
    CODE_LENGTH,
    LEVEL_BY_LENGTH,
    Bureau,
    ContactPoint,
    Department,
    Place,
    PlaceLevel,
    Staff,
)

ZHONGSHAN_PLACES = Path(__file__).parent / "data" / "places_zhongshan.csv"


@transaction.atomic
def places_load(*, text: str, by=None) -> dict:
    """Load divisions from CSV text with columns code, name, parent_code (and optionally level, for
    natural villages, which have no code). Existing codes are renamed if the name changed. All rows
    are checked first; any bad row rejects the whole file with every reason."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"code", "name", "parent_code"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError(_("The CSV needs the columns code, name, parent_code."))
    rows, errors = [], []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): clean_spaces(v) for k, v in raw.items() if k}
        code, name, parent_code = digits(row.get("code")), row.get("name", ""), digits(row.get("parent_code"))
        level = row.get("level") or LEVEL_BY_LENGTH.get(len(code))
        if not name:
            errors.append(_("Row %(n)d: the name is missing.") % {"n": number})
        if level == PlaceLevel.NATURAL_VILLAGE:
            if code or not parent_code:
                errors.append(
                    _("Row %(n)d: a natural village has no code but needs a parent code.") % {"n": number}
                )
        elif level not in CODE_LENGTH or not code.isdigit():
            errors.append(
                _("Row %(n)d: %(code)s is not a 2, 4, 6, 9 or 12-digit division code.")
                % {"n": number, "code": code}
            )
        elif parent_code and not code.startswith(parent_code):
            errors.append(
                _("Row %(n)d: %(code)s does not start with its parent's code %(parent)s.")
                % {"n": number, "code": code, "parent": parent_code}
            )
        rows.append((code or None, name, parent_code or None, level))
    if errors:
        raise ValidationError(errors)
    known = {
        p.code: p
        for p in Place.objects.filter(code__in=[r[0] for r in rows if r[0]] + [r[2] for r in rows if r[2]])
    }
    created = renamed = 0
    # Parents first: shorter codes first, natural villages last.
    for code, name, parent_code, level in sorted(rows, key=lambda r: (len(r[0] or "9" * 13), r[0] or "")):
        parent = known.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise ValidationError(
                _("The parent code %(code)s of %(name)s is unknown.") % {"code": parent_code, "name": name}
            )
        if code and code in known:
            place = known[code]
            if place.name != name:
                before = snapshot(place)
                place.name = name
                place.save(update_fields=["name", "updated_at"])
                audit_update(by=by, obj=place, before=before)
                renamed += 1
            continue
        place, was_created = Place.objects.get_or_create(code=code, name=name, parent=parent, level=level)
        if was_created:
            created += 1
        if code:
            known[code] = place
    return {"created": created, "renamed": renamed, "rows": len(rows)}


def places_load_zhongshan(by=None) -> dict:
    return places_load(text=ZHONGSHAN_PLACES.read_text(encoding="utf-8"), by=by)


def _set_path(bureau: Bureau) -> None:
    parent_path = bureau.parent.path if bureau.parent_id else "/"
    bureau.path = f"{parent_path}{bureau.pk}/"
    bureau.save(update_fields=["path"])


@transaction.atomic
def bureau_create(
    *, name: str, short_name: str, code: str, level: str, area: Place, parent: Bureau | None = None, by=None
) -> Bureau:
    bureau = Bureau(
        name=clean_spaces(name),
        short_name=clean_spaces(short_name),
        code=code,
        level=level,
        area=area,
        parent=parent,
    )
    bureau.full_clean(exclude=["path"])
    bureau.save()
    _set_path(bureau)
    audit_create(by=by, obj=bureau)
    return bureau


@transaction.atomic
def department_create(
    *, bureau: Bureau, name: str, kind: str, order: int = 0, name_en: str = "", by=None
) -> Department:
    """A department named in simplified Chinese (and English if given; traditional is derived)."""
    department = Department(
        bureau=bureau, **terms("name", clean_spaces(name), clean_spaces(name_en)), kind=kind, order=order
    )
    department.full_clean()
    department.save()
    audit_create(by=by, obj=department)
    return department


@transaction.atomic
def staff_create(
    *,
    bureau: Bureau | None,
    username: str,
    name: str,
    password: str | None,
    role: str,
    rank: str,
    department: Department | None = None,
    title: str = "",
    phone: str = "",
    by=None,
    is_superuser: bool = False,
) -> Staff:
    if phone:
        phone = validate_mobile(phone)
    staff = Staff(
        username=username,
        name=clean_spaces(name),
        bureau=bureau,
        department=department,
        role=role,
        rank=rank,
        title=title,
        phone=phone,
        is_superuser=is_superuser,
        is_staff=is_superuser or role == "admin",
    )
    if password:
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.full_clean(exclude=["password"])
    staff.save()
    audit_create(by=by, obj=staff)
    return staff


@transaction.atomic
def contact_point_assign(*, staff: Staff, village: Place, since, note: str = "", by=None) -> ContactPoint:
    if village.level not in (PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE):
        raise ValidationError({"village": [_("A contact point is a village.")]})
    point = ContactPoint.objects.create(
        bureau=staff.bureau, staff=staff, village=village, since=since, note=note
    )
    audit_create(by=by, obj=point)
    return point


@transaction.atomic
def staff_change_password(*, staff: Staff, by, password: str) -> Staff:
    """Set a new password (already checked against the validators by the form); the change, not the
    password, goes to the audit trail."""
    staff.set_password(password)
    staff.save(update_fields=["password"])
    audit_note(by=by, obj=staff, action=AuditAction.UPDATE, note=_("Password changed."))
    return staff
