"""Accountability's writes. Every one is in a transaction and goes to the audit trail; investigations
and assessments also keep their own timeline / lock."""

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.accountability.evidence import assessment_evidence
from sanwen.accountability.models import (
    CONCLUDED,
    Assessment,
    AssessmentComment,
    AssessmentState,
    Commitment,
    CommitmentState,
    GiftDeclaration,
    GiftHandling,
    Grade,
    ReportEvent,
    ReportEventKind,
    ReportSource,
    ReportState,
    ViolationReport,
)
from sanwen.campaigns.models import Campaign, ReviewDimension
from sanwen.cases.models import Case
from sanwen.core.access import Cap, Role, has_cap, integrity_readers, may_see
from sanwen.core.audit import audit_create, audit_note, audit_update, snapshot
from sanwen.core.codes import new_code
from sanwen.core.models import AuditAction, Notification, NotificationKind
from sanwen.core.text import clean_contact, clean_spaces
from sanwen.core.versions import STALE, stale_message, version_claim
from sanwen.org.models import Staff


def _today() -> datetime.date:
    return timezone.localdate()


def _require(by, cap: str) -> None:
    if by is not None and not has_cap(by, cap):
        raise PermissionDenied


def _same_bureau(by, obj) -> None:
    if by is not None and not by.is_superuser and obj.bureau_id != by.bureau_id:
        raise PermissionDenied


def _campaign(bureau, on) -> Campaign:
    campaign = Campaign.objects.current(bureau, on)
    if campaign is None:
        raise ValidationError(_("No campaign of the bureau runs on %(day)s.") % {"day": on})
    return campaign


# --- commitments (承诺践诺) ----------------------------------------------------------------


def may_assess_commitment(by, commitment: Commitment) -> bool:
    """A staff member's commitment is judged by their department head or a leader; a department's
    by a leader. Nobody judges their own."""
    if by is None:
        return True
    if by.bureau_id != commitment.bureau_id or commitment.staff_id == by.pk:
        return False
    if by.role == Role.LEADER:
        return True
    if commitment.staff_id and by.role == Role.DEPT_HEAD:
        return commitment.staff.department_id == by.department_id and by.department_id is not None
    return False


@transaction.atomic
def commitment_make(
    *, by, text: str, due_on: datetime.date, staff=None, department=None, made_on: datetime.date | None = None
) -> Commitment:
    """A staff member commits for themselves; a department head for their department; a leader for
    anyone or any department of the bureau."""
    _require(by, Cap.MAKE_COMMITMENTS)
    made_on = made_on or _today()
    if staff is None and department is None:
        staff = by
    if staff is not None and department is not None:
        raise ValidationError(_("A commitment is a person's or a department's, not both."))
    owner_bureau = staff.bureau_id if staff is not None else department.bureau_id
    bureau = staff.bureau if staff is not None else department.bureau
    if by is not None and owner_bureau != by.bureau_id:
        raise PermissionDenied
    if by is not None and by.role != Role.LEADER:
        if staff is not None and staff.pk != by.pk:
            raise PermissionDenied(_("Only a leader records commitments for someone else."))
        if department is not None and not (by.role == Role.DEPT_HEAD and by.department_id == department.pk):
            raise PermissionDenied(_("A department's commitment is made by its head or a leader."))
    errors = {}
    text = (text or "").strip()
    if len(text) < 4:
        errors["text"] = [_("Say what is promised.")]
    if due_on is None:
        errors["due_on"] = [_("Give the date by which it will be kept.")]
    elif due_on < made_on:
        errors["due_on"] = [_("The due date cannot be before the day the commitment is made.")]
    if errors:
        raise ValidationError(errors)
    commitment = Commitment.objects.create(
        bureau=bureau,
        campaign=_campaign(bureau, made_on),
        staff=staff,
        department=department,
        text=text,
        made_on=made_on,
        due_on=due_on,
        created_by=by,
    )
    audit_create(by=by, obj=commitment)
    return commitment


@transaction.atomic
def commitment_add_evidence(
    *, commitment: Commitment, by, evidence: str, version: int | None = None
) -> Commitment:
    """The owner (or whoever may judge it) writes down what was done. `version`: the one the form was
    opened at; a commitment changed since is refused (stale form)."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    owner = (
        by is None
        or commitment.staff_id == by.pk
        or (
            commitment.department_id
            and by.role == Role.DEPT_HEAD
            and by.department_id == commitment.department_id
        )
    )
    if not (owner or may_assess_commitment(by, commitment)):
        raise PermissionDenied
    if commitment.state != CommitmentState.OPEN:
        raise ValidationError(_("This commitment has been judged already."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": [_("Write down what was done.")]})
    version_claim(commitment, version)
    before = snapshot(commitment)
    commitment.evidence = evidence
    commitment.save(update_fields=["evidence", "version", "updated_at"])
    audit_update(by=by, obj=commitment, before=before)
    return commitment


@transaction.atomic
def commitment_judge(
    *,
    commitment: Commitment,
    by,
    state: str,
    evidence: str = "",
    on: datetime.date | None = None,
    version: int | None = None,
) -> Commitment:
    """Kept, partly kept or not kept, with the evidence; by the owner's head or a leader. `version`:
    the one the form was opened at; a commitment changed since is refused (stale form)."""
    commitment = (
        Commitment.objects.select_for_update(of=("self",)).select_related("staff").get(pk=commitment.pk)
    )
    if not may_assess_commitment(by, commitment):
        raise PermissionDenied(_("A commitment is judged by the owner's department head or a leader."))
    if state not in (CommitmentState.KEPT, CommitmentState.PARTLY, CommitmentState.NOT_KEPT):
        raise ValidationError({"state": [_("Choose kept, partly kept or not kept.")]})
    evidence = (evidence or commitment.evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": [_("Write down the evidence for the judgement.")]})
    on = on or _today()
    if on < commitment.made_on:
        raise ValidationError({"on": [_("A commitment is judged after it is made.")]})
    version_claim(commitment, version)
    before = snapshot(commitment)
    commitment.state, commitment.evidence, commitment.closed_on = state, evidence, on
    commitment.closed_by = by if getattr(by, "pk", None) else None
    commitment.save()
    audit_update(by=by, obj=commitment, before=before)
    return commitment


def commitments_flag_past_due(today: datetime.date, since: datetime.date | None = None) -> int:
    """Tell the owner and their head about each commitment past due and still open (once each: the
    notice's key makes a second pass insert nothing); the clock passes the day of its last pass, so
    only commitments that fell due since then are read. Returns the notices made."""
    due = Commitment.objects.filter(state=CommitmentState.OPEN, due_on__lt=today)
    if since is not None:
        due = due.filter(due_on__gte=since - datetime.timedelta(days=1))
    due = due.select_related("staff", "department")
    notices = []
    heads = {}
    for commitment in due.iterator(chunk_size=500):
        if commitment.staff_id:
            department_id = commitment.staff.department_id
            recipients = {commitment.staff_id}
            if department_id not in heads:
                heads[department_id] = set(
                    Staff.objects.filter(department_id=department_id, role=Role.DEPT_HEAD, is_active=True)
                    .exclude(pk=commitment.staff_id)
                    .values_list("pk", flat=True)
                )
            recipients |= heads[department_id]
        else:
            recipients = set(
                Staff.objects.filter(
                    department_id=commitment.department_id, role=Role.DEPT_HEAD, is_active=True
                ).values_list("pk", flat=True)
            )
            if commitment.department.supervisor_id:
                recipients.add(commitment.department.supervisor_id)
        text = _("Commitment past due since %(day)s: %(text)s") % {
            "day": commitment.due_on,
            "text": commitment.text[:80],
        }
        notices += [
            Notification(
                recipient_id=r,
                kind=NotificationKind.COMMITMENT_DUE,
                key=f"commitment:{commitment.pk}",
                text=text,
            )
            for r in recipients
        ]
    made = Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return len(made)


# --- integrity register: gifts ----------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"value": [_("Give the estimated value in yuan, e.g. 200.")]}) from exc
    if amount < 0 or amount > Decimal("99999999"):
        raise ValidationError({"value": [_("Give the estimated value in yuan, e.g. 200.")]})
    return amount


@transaction.atomic
def gift_declare(
    *, by, what: str, giver: str, value, received_on: datetime.date, note: str = "", declared_on=None
) -> GiftDeclaration:
    """A staff member declares a gift they were given (to be returned or handed in)."""
    if by is None or by.bureau_id is None:
        raise PermissionDenied
    declared_on = declared_on or _today()
    errors = {}
    what, giver = clean_spaces(what), clean_spaces(giver)
    if not what:
        errors["what"] = [_("Say what the gift was.")]
    if not giver:
        errors["giver"] = [_("Say who gave it.")]
    if received_on is None or received_on > declared_on:
        errors["received_on"] = [_("Give the day it was received (not after today).")]
    try:
        amount = _amount(value)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    gift = GiftDeclaration.objects.create(
        bureau=by.bureau,
        staff=by,
        what=what,
        giver=giver,
        value=amount,
        received_on=received_on,
        declared_on=declared_on,
        note=(note or "").strip(),
    )
    audit_create(by=by, obj=gift)
    return gift


@transaction.atomic
def gift_handle(
    *, gift: GiftDeclaration, by, handling: str, handled_on: datetime.date, note: str = ""
) -> GiftDeclaration:
    """Returned to the giver or handed in: recorded by an inspector, or by the person who declared it."""
    gift = GiftDeclaration.objects.select_for_update().get(pk=gift.pk)
    _same_bureau(by, gift)
    if by is not None and gift.staff_id != by.pk and not has_cap(by, Cap.INVESTIGATE):
        raise PermissionDenied
    if handling not in (GiftHandling.RETURNED, GiftHandling.HANDED_IN):
        raise ValidationError({"handling": [_("Choose returned or handed in.")]})
    if gift.handling != GiftHandling.PENDING:
        raise ValidationError(_("This gift's handling is recorded already."))
    if handled_on is None or handled_on < gift.received_on or handled_on > _today():
        raise ValidationError({"handled_on": [_("Give the day it was returned or handed in.")]})
    before = snapshot(gift)
    gift.handling, gift.handled_on = handling, handled_on
    if note:
        gift.note = f"{gift.note}\n{note.strip()}".strip()
    gift.save()
    audit_update(by=by, obj=gift, before=before)
    return gift


# --- integrity register: violation reports -----------------------------------------------------


def _report_event(report, by, kind, text="", on=None):
    at = (
        timezone.now()
        if on is None or on == _today()
        else timezone.make_aware(datetime.datetime.combine(on, datetime.time(9, 0)))
    )
    event = ReportEvent.objects.create(
        report=report, by=by if getattr(by, "pk", None) else None, kind=kind, text=text, at=at
    )
    if text:  # a note may name someone: the report is then kept from them too
        report.save(update_fields=["subject_key"])
    return event


def _concerned(person) -> str:
    return f"{person.name}（{person.username}）" if person is not None else ""


def _new_report_code() -> str:
    while True:
        code = new_code()
        if not (
            ViolationReport.objects.filter(tracking_code=code).exists()
            or Case.objects.filter(tracking_code=code).exists()
        ):
            return code


def _check_report(bureau, prohibition, description, on):
    errors = {}
    campaign = Campaign.objects.current(bureau, on)
    if campaign is None:
        raise ValidationError(_("No campaign of the bureau runs on %(day)s.") % {"day": on})
    if prohibition is None or prohibition.campaign_id != campaign.pk:
        errors["prohibition"] = [_("Choose which of the five prohibitions was broken.")]
    description = (description or "").strip()
    if len(description) < 10:
        errors["description"] = [_("Describe what happened, where and when (at least 10 characters).")]
    if errors:
        raise ValidationError(errors)
    return campaign, description


@transaction.atomic
def report_internal(
    *,
    by,
    prohibition,
    description: str,
    accused=None,
    accused_text: str = "",
    anonymous: bool = False,
    on=None,
) -> ViolationReport:
    """A staff member reports a suspected breach; anonymously if they wish (then nobody is recorded
    as the reporter)."""
    if by is None or by.bureau_id is None:
        raise PermissionDenied
    on = on or _today()
    campaign, description = _check_report(by.bureau, prohibition, description, on)
    if accused is not None and accused.bureau_id != by.bureau_id:
        raise ValidationError({"accused": [_("This person is not of your bureau.")]})
    report = ViolationReport.objects.create(
        bureau=by.bureau,
        campaign=campaign,
        prohibition=prohibition,
        accused=accused,
        accused_text=clean_spaces(accused_text)[:200],
        description=description,
        source=ReportSource.INTERNAL,
        reporter=None if anonymous else by,
        anonymous=anonymous,
        received_on=on,
    )
    audit_create(by=None if anonymous else by, obj=report)
    # The person linked is written into the report's trail: replaced later in the investigation, they
    # stay named in its text, so the report stays kept from them.
    _report_event(report, None, ReportEventKind.RECEIVED, _concerned(accused), on=on)
    _notify_inspectors(report)
    return report


@transaction.atomic
def report_public(
    *,
    bureau,
    prohibition,
    description: str,
    accused_text: str = "",
    anonymous: bool = True,
    name: str = "",
    phone: str = "",
    on=None,
) -> ViolationReport:
    """A report from the public portal. It gets its own tracking code; it may be anonymous."""
    on = on or _today()
    campaign, description = _check_report(bureau, prohibition, description, on)
    errors = {}
    name, phone = clean_contact(name, phone, errors)
    if errors:
        raise ValidationError(errors)
    report = ViolationReport.objects.create(
        bureau=bureau,
        campaign=campaign,
        prohibition=prohibition,
        accused_text=clean_spaces(accused_text)[:200],
        description=description,
        source=ReportSource.PUBLIC,
        anonymous=anonymous,
        reporter_name="" if anonymous else name,
        reporter_phone="" if anonymous else phone,
        tracking_code=_new_report_code(),
        received_on=on,
    )
    audit_create(by=None, obj=report)
    _report_event(report, None, ReportEventKind.RECEIVED, on=on)
    _notify_inspectors(report)
    return report


def _notify_inspectors(report):
    inspectors = [p.pk for p in integrity_readers(report) if p.role == Role.INSPECTOR]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=NotificationKind.PORTAL_ITEM
                if report.source == ReportSource.PUBLIC
                else NotificationKind.ASSIGNED,
                key=f"report:{report.pk}",
                text=_("A violation report (%(prohibition)s) was received on %(day)s.")
                % {"prohibition": report.prohibition.name, "day": report.received_on},
            )
            for pk in inspectors
        ],
        ignore_conflicts=True,
    )


def _lock_report(report, by) -> ViolationReport:
    report = ViolationReport.objects.select_for_update().get(pk=report.pk)
    _same_bureau(by, report)
    _require(by, Cap.INVESTIGATE)
    if by is not None and not may_see(report, by):
        raise PermissionDenied  # never a report about oneself, linked or named in its text
    return report


@transaction.atomic
def report_investigate(*, report: ViolationReport, by, accused=None, on=None) -> ViolationReport:
    """An inspector opens the investigation (and names the staff member concerned, if known)."""
    report = _lock_report(report, by)
    if report.state != ReportState.RECEIVED:
        raise ValidationError(_("The investigation is already open or concluded."))
    if accused is not None:
        if accused.bureau_id != report.bureau_id:
            raise ValidationError({"accused": [_("This person is not of your bureau.")]})
        if by is not None and accused.pk == by.pk:
            raise ValidationError({"accused": [_("You cannot investigate a report about yourself.")]})
    before = snapshot(report)
    report.state = ReportState.INVESTIGATING
    report.inspector = by if getattr(by, "pk", None) else report.inspector
    if accused is not None:
        report.accused = accused
    report.version += 1
    report.save()
    audit_update(by=by, obj=report, before=before)
    _report_event(report, by, ReportEventKind.INVESTIGATING, on=on)
    if accused is not None:
        _report_event(report, by, ReportEventKind.ACCUSED, _concerned(accused), on=on)
    return report


@transaction.atomic
def report_note(*, report: ViolationReport, by, text: str, on=None) -> ReportEvent:
    report = _lock_report(report, by)
    if report.state in CONCLUDED:
        raise ValidationError(_("This report is concluded."))
    if not (text or "").strip():
        raise ValidationError({"text": [_("Write the note.")]})
    event = _report_event(report, by, ReportEventKind.NOTE, text.strip(), on=on)
    audit_note(
        by=by,
        obj=report,
        action=AuditAction.UPDATE,
        note=_("investigation note: %(text)s") % {"text": text.strip()[:200]},
    )
    return event


@transaction.atomic
def report_conclude(
    *, report: ViolationReport, by, substantiated: bool, findings: str, actions: str = "", on=None
) -> ViolationReport:
    """Substantiated or not, with the findings (and, when substantiated, the actions taken)."""
    report = _lock_report(report, by)
    if report.state != ReportState.INVESTIGATING:
        raise ValidationError(_("Open the investigation before concluding it."))
    on = on or _today()
    errors = {}
    findings, actions = (findings or "").strip(), (actions or "").strip()
    if not findings:
        errors["findings"] = [_("Write down what the investigation found.")]
    if substantiated and report.accused_id is None:
        errors["accused"] = [_("Name the staff member concerned before substantiating the report.")]
    if substantiated and not actions:
        errors["actions"] = [_("Write down the actions taken.")]
    if on < report.received_on:
        errors["on"] = [_("A report is concluded after it is received.")]
    if errors:
        raise ValidationError(errors)
    before = snapshot(report)
    report.state = ReportState.SUBSTANTIATED if substantiated else ReportState.UNSUBSTANTIATED
    report.findings, report.actions, report.concluded_on = findings, actions, on
    report.version += 1
    report.save()
    audit_update(by=by, obj=report, before=before)
    kind = ReportEventKind.SUBSTANTIATED if substantiated else ReportEventKind.UNSUBSTANTIATED
    _report_event(report, by, kind, findings, on=on)
    return report


# --- annual assessments ---------------------------------------------------------------------


def _assessment_campaign(staff, year) -> Campaign | None:
    end = datetime.date(year, 12, 31)
    return (
        Campaign.objects.filter(bureau_id=staff.bureau_id, active=True, start__lte=end)
        .order_by("-start")
        .first()
    )


@transaction.atomic
def assessment_start(*, staff, year: int, by, today=None) -> Assessment:
    """A draft for the staff member's year: the evidence drawn from the records and one empty
    comment for each of the campaign's mandatory comments (五个必点评)."""
    _require(by, Cap.ASSESS)
    if by is not None and staff.bureau_id != by.bureau_id:
        raise PermissionDenied
    if by is not None and staff.pk == by.pk:
        raise PermissionDenied(_("Nobody assesses themselves."))
    today = today or _today()
    if year > today.year:
        raise ValidationError({"year": [_("That year has not begun.")]})
    if Assessment.objects.filter(staff=staff, year=year).exists():
        raise ValidationError(
            _("%(name)s already has an assessment for %(year)d.") % {"name": staff.name, "year": year}
        )
    campaign = _assessment_campaign(staff, year)
    if campaign is None:
        raise ValidationError(_("No campaign of the bureau ran in %(year)d.") % {"year": year})
    assessment = Assessment.objects.create(
        bureau_id=staff.bureau_id,
        staff=staff,
        year=year,
        evidence=assessment_evidence(staff, year, today=today),
        evidence_on=today,
    )
    AssessmentComment.objects.bulk_create(
        [
            AssessmentComment(assessment=assessment, dimension=d)
            for d in ReviewDimension.objects.filter(campaign=campaign, active=True).order_by("order", "pk")
        ]
    )
    audit_create(by=by, obj=assessment)
    return assessment


def _lock_assessment(assessment, by, expected_version=None) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _same_bureau(by, assessment)
    if by is not None and assessment.staff_id == by.pk:
        raise PermissionDenied(_("Nobody assesses themselves."))
    if assessment.state == AssessmentState.FINAL:
        raise ValidationError(_("This assessment is final and cannot be changed."))
    if expected_version is not None and assessment.version != expected_version:
        raise ValidationError(stale_message(), code=STALE)
    return assessment


@transaction.atomic
def assessment_refresh(*, assessment: Assessment, by, today=None) -> Assessment:
    """Draw the evidence from the records again (a draft only)."""
    _require(by, Cap.ASSESS)
    assessment = _lock_assessment(assessment, by)
    today = today or _today()
    before = snapshot(assessment)
    assessment.evidence = assessment_evidence(assessment.staff, assessment.year, today=today)
    assessment.evidence_on = today
    assessment.version += 1
    assessment.save()
    audit_update(by=by, obj=assessment, before=before, note=_("evidence drawn again"))
    return assessment


@transaction.atomic
def assessment_save(
    *, assessment: Assessment, by, comments: dict, grade: str = "", expected_version: int | None = None
) -> Assessment:
    """The comments (by dimension id) and the proposed grade of a draft."""
    _require(by, Cap.ASSESS)
    assessment = _lock_assessment(assessment, by, expected_version)
    if grade and grade not in Grade.values:
        raise ValidationError({"grade": [_("Choose a grade.")]})
    rows = {c.dimension_id: c for c in assessment.comments.select_related("dimension")}
    before = snapshot(assessment) | {f"comment:{c.dimension.code}": c.text for c in rows.values()}
    for dimension_id, text in comments.items():
        comment = rows.get(int(dimension_id))
        if comment is None:
            raise ValidationError(_("That comment does not belong to this assessment."))
        comment.text = (text or "").strip()
        comment.save(update_fields=["text"])
    assessment.grade = grade
    assessment.version += 1
    assessment.save()
    after = {f"comment:{c.dimension.code}": c.text for c in rows.values()}
    audit_update(by=by, obj=assessment, before=before, note=_("comments and grade"))
    changed = {k: [before[k], v] for k, v in after.items() if before.get(k) != v}
    if changed:
        audit_note(by=by, obj=assessment, action=AuditAction.UPDATE, note=_("comments"), changes=changed)
    return assessment


class EvidenceChanged(ValidationError):
    """The records say something else than the evidence the comments were written against."""


def as_stored(evidence: dict) -> dict:
    """The evidence as the database gives it back (JSON): what is compared with the stored one."""
    return json.loads(json.dumps(evidence, cls=DjangoJSONEncoder))


def finalise_problems(assessment: Assessment) -> list[str]:
    """Why the assessment cannot be finalised yet (empty list: it can)."""
    problems = []
    empty = [c.dimension.name for c in assessment.comments.select_related("dimension") if not c.text.strip()]
    if empty:
        problems.append(_("Comments still empty: %(names)s.") % {"names": "、".join(empty)})
    if not assessment.grade:
        problems.append(_("Choose the grade."))
    if assessment.grade == Grade.EXCELLENT and substantiated_in_year(assessment.staff_id, assessment.year):
        problems.append(_("A substantiated violation of the five prohibitions in the year bars 优秀."))
    return problems


def substantiated_in_year(staff_id: int, year: int) -> int:
    return ViolationReport.objects.filter(
        accused_id=staff_id, state=ReportState.SUBSTANTIATED, concluded_on__year=year
    ).count()


@transaction.atomic
def assessment_finalise(
    *, assessment: Assessment, by, on=None, expected_version: int | None = None
) -> Assessment:
    """A leader signs the assessment off: every comment written, a grade, 优秀 only without a
    substantiated violation in the year; the evidence is drawn a last time and everything is locked."""
    _require(by, Cap.FINALISE_ASSESSMENTS)
    assessment = _lock_assessment(assessment, by, expected_version)
    problems = finalise_problems(assessment)
    if problems:
        raise ValidationError(problems)
    on = on or _today()
    # What is locked is the evidence the assessors saw when they wrote the comments; if the records
    # say something else now, they must look again (EvidenceChanged) before it can be locked.
    fresh = as_stored(assessment_evidence(assessment.staff, assessment.year, today=on))
    if fresh != assessment.evidence:
        raise EvidenceChanged(
            _(
                "The evidence has changed since the comments were written (it was drawn on %(day)s). "
                "It has been drawn again: read it, adjust the comments if needed, and finalise again."
            )
            % {"day": assessment.evidence_on}
        )
    before = snapshot(assessment)
    assessment.evidence_on = on
    assessment.state = AssessmentState.FINAL
    assessment.finalised_by = by if getattr(by, "pk", None) else None
    assessment.finalised_on = on
    assessment.version += 1
    assessment.save()
    audit_update(by=by, obj=assessment, before=before, note=_("finalised"))
    return assessment
