"""Who may do what and who may see what: the one place that decides it.

- *Roles and capabilities* (`Role`, `Cap`, `ROLE_CAPS`, `has_cap`): what each role may do.
- *Rows* (`visible`): for every kind of record, which rows a user may read. Pages, htmx fragments,
  the audit trail, the Django admin, xlsx and Word exports, the API, search, notifications and the
  bell all ask it; a model nobody has decided about raises instead of leaking.
- *Fields* (`may_unmask_household`, `unmasks_numbers`, `sees_confidential_raiser`, `audit_changes_for`):
  which personal data is shown in full.
- *Scopes* (`choose_scope`): whose figures (a bureau and its children, a department, a person) a user
  may look at on the scorecard, the dashboard, the quota table and the records behind them.

The integrity register is the strictest rule: violation reports, their investigation and gift
declarations are read by the bureau's leaders and inspectors only — never by the person a report is
about (linked as the accused, or named in what the reporter wrote), never by administrators or the
platform operator — and the audit trail's entries about them follow exactly the same rule.

This module belongs to `core`, which imports no feature app: feature models are reached by their
label through the app registry.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from sanwen.core.params import parse_id, query_id
from sanwen.core.text import fold, mask_id, mask_licence, mask_phone


class Role(models.TextChoices):
    LEADER = "leader", _("Bureau leader")
    DEPT_HEAD = "dept_head", _("Department head")
    STAFF = "staff", _("Staff")
    INSPECTOR = "inspector", _("Inspector (discipline and assessment)")
    ADMIN = "admin", _("Administrator")


class Cap(models.TextChoices):
    """Capabilities. A role grants a fixed set; views and services check capabilities, not roles."""

    VIEW_CLIENTS = "view_clients", _("View clients")
    EDIT_CLIENTS = "edit_clients", _("Edit clients")
    IMPORT_CLIENTS = "import_clients", _("Import clients")
    UNMASK_ANY = "unmask_any", _("See any client's personal numbers")
    UNMASK_OWN_AREA = "unmask_own_area", _("See personal numbers of clients in one's contact points")
    VIEW_AUDIT = "view_audit", _("View the audit trail")
    ADMINISTER = "administer", _("Administer users, departments, places and campaign rules")
    VIEW_CASES = "view_cases", _("View cases")
    HANDLE_CASES = "handle_cases", _("Register and handle cases")
    DISPATCH_CASES = "dispatch_cases", _("Accept, assign, reopen and merge cases")
    APPROVE_EXTENSIONS = "approve_extensions", _("Approve extensions of time limits")
    SEE_CONFIDENTIAL = "see_confidential", _("See who raised a confidential case")
    RECORD_FIELDWORK = "record_fieldwork", _("Record field days, visits and meetings")
    VIEW_FIELDWORK = "view_fieldwork", _("View visits, meetings, ledger books and quotas")
    APPROVE_LEAVE = "approve_leave", _("Approve leave and business trips")
    REVIEW_NOTEBOOKS = "review_notebooks", _("Review work notebooks")
    VIEW_ALL_NOTEBOOKS = "view_all_notebooks", _("Read every work notebook of the bureau")
    MAKE_COMMITMENTS = "make_commitments", _("Make commitments and record whether they were kept")
    VIEW_SCORECARD = "view_scorecard", _("See the six-zeros scorecard")
    VIEW_INTEGRITY = "view_integrity", _("See the integrity register")
    INVESTIGATE = "investigate", _("Investigate violation reports")
    ASSESS = "assess", _("Draft annual assessments")
    FINALISE_ASSESSMENTS = "finalise_assessments", _("Finalise annual assessments")


ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.LEADER: frozenset(
        {
            Cap.VIEW_CLIENTS,
            Cap.EDIT_CLIENTS,
            Cap.UNMASK_ANY,
            Cap.VIEW_CASES,
            Cap.HANDLE_CASES,
            Cap.DISPATCH_CASES,
            Cap.APPROVE_EXTENSIONS,
            Cap.SEE_CONFIDENTIAL,
            Cap.RECORD_FIELDWORK,
            Cap.VIEW_FIELDWORK,
            Cap.APPROVE_LEAVE,
            Cap.REVIEW_NOTEBOOKS,
            Cap.VIEW_ALL_NOTEBOOKS,
            Cap.MAKE_COMMITMENTS,
            Cap.VIEW_SCORECARD,
            Cap.VIEW_INTEGRITY,
            Cap.ASSESS,
            Cap.FINALISE_ASSESSMENTS,
        }
    ),
    Role.DEPT_HEAD: frozenset(
        {
            Cap.VIEW_CLIENTS,
            Cap.EDIT_CLIENTS,
            Cap.UNMASK_ANY,
            Cap.VIEW_CASES,
            Cap.HANDLE_CASES,
            Cap.DISPATCH_CASES,
            Cap.RECORD_FIELDWORK,
            Cap.VIEW_FIELDWORK,
            Cap.REVIEW_NOTEBOOKS,
            Cap.MAKE_COMMITMENTS,
            Cap.VIEW_SCORECARD,
        }
    ),
    Role.STAFF: frozenset(
        {
            Cap.VIEW_CLIENTS,
            Cap.EDIT_CLIENTS,
            Cap.UNMASK_OWN_AREA,
            Cap.VIEW_CASES,
            Cap.HANDLE_CASES,
            Cap.RECORD_FIELDWORK,
            Cap.VIEW_FIELDWORK,
            Cap.MAKE_COMMITMENTS,
            Cap.VIEW_SCORECARD,
        }
    ),
    # Inspectors are cadres with an on-site quota too: they record their own field work.
    Role.INSPECTOR: frozenset(
        {
            Cap.VIEW_CLIENTS,
            Cap.VIEW_AUDIT,
            Cap.VIEW_CASES,
            Cap.RECORD_FIELDWORK,
            Cap.VIEW_FIELDWORK,
            Cap.VIEW_ALL_NOTEBOOKS,
            Cap.MAKE_COMMITMENTS,
            Cap.VIEW_SCORECARD,
            Cap.VIEW_INTEGRITY,
            Cap.INVESTIGATE,
            Cap.ASSESS,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Cap.VIEW_CLIENTS,
            Cap.EDIT_CLIENTS,
            Cap.IMPORT_CLIENTS,
            Cap.UNMASK_ANY,
            Cap.VIEW_AUDIT,
            Cap.ADMINISTER,
            Cap.VIEW_CASES,
        }
    ),
}


# The integrity register's capabilities follow the role, never the superuser flag: the platform
# operator and the bureau's administrators run the system, they do not read accusations — nor people's
# annual assessments, whose evidence counts substantiated violations.
INTEGRITY_CAPS = frozenset({Cap.VIEW_INTEGRITY, Cap.INVESTIGATE})
ROLE_BOUND_CAPS = INTEGRITY_CAPS | {Cap.ASSESS, Cap.FINALISE_ASSESSMENTS}


def has_cap(user, cap: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if getattr(user, "role", None) == SERVICE_ROLE:
        return _service_has_cap(user, cap)
    # A person acting through an API key (the key's `acts_for`): the key's capabilities bound theirs.
    key_caps = getattr(user, "api_key_caps", None)
    if key_caps is not None and cap not in key_caps:
        return False
    if user.is_superuser and cap not in ROLE_BOUND_CAPS:
        return True
    if user.bureau_id is None:
        return False
    return cap in ROLE_CAPS.get(user.role, frozenset())


def require_cap(user, cap: str) -> None:
    if not has_cap(user, cap):
        raise PermissionDenied


def is_operator(user) -> bool:
    """The platform operator: a superuser who belongs to no bureau and sees every bureau."""
    return bool(getattr(user, "is_superuser", False)) and user.bureau_id is None


def sees_whole_bureau(user) -> bool:
    """Leaders and inspectors see the bureau's (and its children's) figures; others their own part.
    A service identity (an API key) is its bureau's, not a person's: it sees the bureau's."""
    return user.role in (Role.LEADER, Role.INSPECTOR, SERVICE_ROLE) or user.is_superuser


# --- rows -------------------------------------------------------------------------------------


def _bureau_rows(qs: models.QuerySet, user, path: str = "bureau") -> models.QuerySet:
    """Rows of the user's own bureau. The platform operator sees all; nobody else sees another bureau's."""
    if is_operator(user):
        return qs
    if not getattr(user, "is_authenticated", False) or user.bureau_id is None:
        return qs.none()
    return qs.filter(**{f"{path}_id": user.bureau_id})


_NOT_LETTERS = re.compile(r"[\W_]+")


def subject_key(text: str | None) -> str:
    """What a report's text is searched in for the names it mentions: traditional or simplified,
    full- or half-width, upper or lower case, spaces and punctuation between characters all fold
    to one form ("張 三·豐" and "张三丰" are the same)."""
    return _NOT_LETTERS.sub("", fold(text))


# A username shorter than this is not looked for in free text (it would match ordinary words).
MIN_USERNAME_MATCH = 3


def _needles(person) -> list[str]:
    """How a text may name a person: their name, their username, their post with its department
    (烟叶站站长), each folded as subject_key folds the text."""
    needles = []
    name = subject_key(getattr(person, "name", ""))
    if len(name) >= 2:
        needles.append(name)
    username = subject_key(getattr(person, "username", ""))
    if len(username) >= MIN_USERNAME_MATCH:
        needles.append(username)
    title = getattr(person, "title", "")
    if title:
        # By post: with the department (烟叶站站长), the bureau (钟山县烟草专卖局局长, 钟山局长) or the
        # surname (韦局长), as people write it.
        places = []
        if getattr(person, "department_id", None):
            places.append(person.department.name)
        if getattr(person, "bureau_id", None):
            places += [person.bureau.name, person.bureau.short_name]
        if name:
            places.append(name[0])
        needles += [subject_key(place + title) for place in places if place]
    return needles


def _named(user) -> Q:
    """Reports whose text names the user."""
    named = Q(pk__in=[])
    for needle in _needles(user):
        named |= Q(subject_key__contains=needle)
    return named


def reads_integrity(user) -> bool:
    """Leaders and inspectors of a bureau; administrators and the platform operator never."""
    return has_cap(user, Cap.VIEW_INTEGRITY) and user.bureau_id is not None


def _violation_reports(qs, user):
    if not reads_integrity(user):
        return qs.none()
    return _bureau_rows(qs, user).exclude(accused_id=user.pk).exclude(_named(user))


def _report_events(qs, user):
    reports = _violation_reports(apps.get_model("accountability", "ViolationReport").objects.all(), user)
    return qs.filter(report__in=reports.values("pk"))


def _gifts(qs, user):
    """Leaders and inspectors read the bureau's declarations; everyone else only what they declared
    themselves (their own receipt: a declaration is a duty done, not an accusation)."""
    if not getattr(user, "is_authenticated", False) or user.bureau_id is None:
        return qs.none()
    if reads_integrity(user):
        return _bureau_rows(qs, user)
    return _bureau_rows(qs, user).filter(staff_id=user.pk)


def _assessments(qs, user):
    """Assessors (leaders, inspectors) read the bureau's but their own draft; everyone reads their own
    once final."""
    own_final = Q(staff_id=user.pk, state="final")
    qs = _bureau_rows(qs, user)
    if has_cap(user, Cap.ASSESS) and user.bureau_id is not None:
        return qs.filter(~Q(staff_id=user.pk) | own_final)
    return qs.filter(own_final)


def _commitments(qs, user):
    qs = _bureau_rows(qs, user)
    if is_operator(user) or user.role in (Role.LEADER, Role.INSPECTOR):
        return qs
    if user.role == Role.DEPT_HEAD and user.department_id:
        return qs.filter(
            Q(staff_id=user.pk)
            | Q(staff__department_id=user.department_id)
            | Q(department_id=user.department_id)
        )
    if user.role == Role.ADMIN:
        return qs.none()
    return qs.filter(staff_id=user.pk)


def _outbox(qs, user, path: str = ""):
    """The outbox and its delivery log: a bureau's administrators read their bureau's (the pages
    show where and how a message went, never its text); everyone else only what was sent to them."""
    if has_cap(user, Cap.ADMINISTER) and not is_operator(user):
        return _bureau_rows(qs, user, f"{path}bureau")
    if is_operator(user):
        return qs
    return qs.filter(**{f"{path}recipient_id": user.pk})


# Kinds of record each person reads only their own of: the column naming whose a row is. The bell on
# every page reads two of them by this column alone (personal_column), without building a query.
PERSONAL = {"core.notification": "recipient_id", "cases.bell": "staff_id"}


def _personal(qs, user):
    return qs.filter(**{PERSONAL[qs.model._meta.label_lower]: user.pk})


def personal_column(model, user) -> str | None:
    """For a kind each person reads only their own of (PERSONAL): the column that names the person,
    if `user` may read their own rows — visible() is then exactly the rows where it equals their key —
    or None if they may read none."""
    label = model._meta.label_lower
    if RULES.get(label) is not _personal:
        raise ImproperlyConfigured(f"{label} is not read by its owner alone.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return PERSONAL[label]


def _audit_events(qs, user):
    """The audit trail: for those who may read it, the entries of their bureau about records they may
    read — an entry about a record one may not see is itself not seen."""
    if not has_cap(user, Cap.VIEW_AUDIT):
        return qs.none()
    qs = _bureau_rows(qs, user)
    for label in AUDITED_NARROWER:
        model = apps.get_model(label)
        ids = (
            visible(model.objects.order_by(), user)
            .annotate(audit_id=Cast("pk", output_field=CharField()))
            .values("audit_id")
        )
        qs = qs.filter(~Q(object_type=label) | Q(object_id__in=ids))
    return qs


# Kinds of record whose readers are narrower than "the bureau". Everything else is read by the bureau
# (and the platform operator); a model with neither a rule here nor a bureau path raises.
RULES = {
    "accountability.violationreport": _violation_reports,
    "accountability.reportevent": _report_events,
    "accountability.giftdeclaration": _gifts,
    "accountability.assessment": _assessments,
    "accountability.commitment": _commitments,
    "core.notification": _personal,
    "cases.bell": _personal,
    "core.auditevent": _audit_events,
    "notify.message": _outbox,
    "notify.attempt": lambda qs, user: _outbox(qs, user, "message__"),
    # Each person's own choices; a client's consent is read by no page (the worker acts on it).
    "notify.profile": lambda qs, user: qs.filter(staff_id=user.pk),
    "notify.smsconsent": lambda qs, user: qs.none(),
    "notify.digestday": lambda qs, user: qs.none(),
}
# The audit trail narrows its entries about these kinds to the rows their rule lets one read.
AUDITED_NARROWER = [
    "accountability.violationreport",
    "accountability.giftdeclaration",
    "accountability.assessment",
    "accountability.commitment",
]
# Records without a bureau of their own, reached through the one they belong to.
BUREAU_PATHS = {
    "org.bureau": None,  # handled below: one's own bureau and its descendants
    "org.staff": "bureau",
    "cases.caseevent": "case__bureau",
    "cases.casephoto": "case__bureau",
    "cases.casecontact": "case__bureau",
    "cases.casepartner": "case__bureau",
    "cases.extension": "case__bureau",
    "cases.returnvisit": "case__bureau",
    "cases.followup": "case__bureau",
    "fieldwork.visitphoto": "visit__bureau",
    "fieldwork.visitstaff": "visit__bureau",
    "fieldwork.leavemonth": "leave__bureau",
    "fieldwork.fieldmonth": "staff__bureau",
    "accountability.assessmentcomment": "assessment__bureau",
}


# Counters and logs the platform keeps for its own work; no page reads them.
BOOKKEEPING = {
    "core.ratecounter",
    "cases.casecounter",
    "cases.clockrun",
    "cases.alertmail",
    "fieldwork.quotastamp",
}
# Reference data every logged-in user reads: the map and the working-day calendar.
SHARED = {"org.place", "core.calendarday", "core.calendaryear"}


def visible(qs: models.QuerySet, user) -> models.QuerySet:
    """The rows of `qs` that `user` may read. Every way of reading data goes through here."""
    label = qs.model._meta.label_lower
    if label in BOOKKEEPING:
        raise ImproperlyConfigured(f"{label} is the platform's bookkeeping: no page reads it.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()  # the public portal shows only what is public, not through this policy
    rule = RULES.get(label)
    if rule is not None:
        return rule(qs, user)
    if label in SHARED:
        return qs
    if label == "org.bureau":
        if is_operator(user):
            return qs
        if user.bureau_id is None:
            return qs.none()
        return qs.filter(path__startswith=user.bureau.path)
    return _bureau_rows(qs, user, bureau_path(qs.model))


def bureau_path(model) -> str:
    """How a row reaches its bureau: its own field, the record it belongs to, or its campaign (the
    campaign's rules: vehicles, modes, categories, …)."""
    label = model._meta.label_lower
    if label in BUREAU_PATHS:
        return BUREAU_PATHS[label]
    names = {f.name for f in model._meta.get_fields()}
    if "bureau" in names:
        return "bureau"
    if "campaign" in names:
        return "campaign__bureau"
    raise ImproperlyConfigured(f"No access rule for {label}: add one to sanwen.core.access.")


def get_visible_or_404(qs: models.QuerySet, user, **lookup):
    """One row the user may read; another bureau's row (or one they may not read) is
    indistinguishable from a missing one."""
    try:
        return visible(qs, user).get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc


def may_see(obj: models.Model, user) -> bool:
    return visible(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def integrity_readers(report) -> list:
    """Who may read this violation report (to notify them): the bureau's inspectors and leaders,
    less the person it is about and anyone its text names."""
    Staff = apps.get_model("org", "Staff")
    people = (
        Staff.objects.filter(
            bureau_id=report.bureau_id, is_active=True, role__in=[Role.LEADER, Role.INSPECTOR]
        )
        .exclude(pk=report.accused_id or 0)
        .select_related("department", "bureau")
    )
    key = report.subject_key
    return [p for p in people if not _names_in(p, key)]


def _names_in(person, key: str) -> bool:
    return any(needle in key for needle in _needles(person))


# --- fields -----------------------------------------------------------------------------------


def unmasks_numbers(user) -> bool:
    """Lists and exports show clients' personal numbers in full only to those who may see any."""
    return has_cap(user, Cap.UNMASK_ANY)


def may_unmask_household(household, user, today: datetime.date | None = None) -> bool:
    """One household's numbers in full: any client's for those who may, or a client in a village one
    is the contact point of."""
    if household.bureau_id != user.bureau_id and not is_operator(user):
        return False
    if has_cap(user, Cap.UNMASK_ANY):
        return True
    if has_cap(user, Cap.UNMASK_OWN_AREA) and household.village_id:
        today = today or datetime.date.today()
        ContactPoint = apps.get_model("org", "ContactPoint")
        return (
            ContactPoint.objects.filter(staff=user, village_id=household.village_id, since__lte=today)
            .exclude(until__lt=today)
            .exists()
        )
    return False


def sees_confidential_raiser(case, user) -> bool:
    """Who raised a confidential case: its owner and those with the capability."""
    return not case.confidential or case.owner_id == user.pk or has_cap(user, Cap.SEE_CONFIDENTIAL)


def sees_tracking_code(case, user) -> bool:
    """The code lets its holder rate the case: shown to whoever registered it (to hand it to the
    client) and to those who may see a confidential raiser, not to every handler."""
    return bool(case.tracking_code) and (case.raised_by_id == user.pk or has_cap(user, Cap.SEE_CONFIDENTIAL))


_NUMBER_MASKS = {
    "phone": mask_phone,
    "id_number": mask_id,
    "credit_code": mask_id,
    "contact_phone": mask_phone,
}
# Fields of a confidential case that say who raised it.
_RAISER_FIELDS = {"household", "village", "contact_name", "contact_phone", "raised_by", "tracking_code"}


def audit_changes_for(event, user, confidential_cases: set | None = None) -> dict:
    """The entry's changes as this user may read them: personal numbers masked unless they may see
    any client's, the raiser of a confidential case hidden unless they may see it, a case's tracking
    code (it lets its holder rate the case) only for those who may see raisers."""
    maskers = {}
    if not unmasks_numbers(user):
        maskers = dict(_NUMBER_MASKS)
        if event.object_type == "clients.retaillicence":
            maskers["number"] = mask_licence
    hide_raiser = event.object_type == "cases.case" and not has_cap(user, Cap.SEE_CONFIDENTIAL)
    confidential = hide_raiser and _was_confidential(event, confidential_cases)
    result = {}
    for name, pair in (event.changes or {}).items():
        if (confidential and name in _RAISER_FIELDS) or (hide_raiser and name == "tracking_code"):
            pair = ["***" if v not in (None, "") else v for v in pair] if isinstance(pair, list) else "***"
        mask = maskers.get(name)
        if mask and isinstance(pair, list):
            pair = [mask(v) if isinstance(v, str) else v for v in pair]
        result[name] = pair
    return result


def _was_confidential(event, confidential_cases: set | None = None) -> bool:
    """Whether the case was ever confidential: by the entry itself, or the case now (from
    `confidential_cases`, the ids a page looked up at once, or one query)."""
    flag = (event.changes or {}).get("confidential")
    if isinstance(flag, list) and any(flag):
        return True
    if confidential_cases is not None:
        return str(event.object_id) in confidential_cases
    return str(event.object_id) in confidential_case_ids([event.object_id])


def confidential_case_ids(ids) -> set[str]:
    """Of these case ids (as the audit trail stores them), the confidential ones, in one query."""
    Case = apps.get_model("cases", "Case")
    numbers = [int(i) for i in ids if str(i).isdigit()]
    if not numbers:
        return set()
    return {
        str(pk) for pk in Case.objects.filter(pk__in=numbers, confidential=True).values_list("pk", flat=True)
    }


# --- scopes -----------------------------------------------------------------------------------


@dataclass
class Scope:
    """Whose figures: a bureau (with its descendants), a department, or a staff member; optionally
    narrowed to a township."""

    bureau: object
    department: object = None
    staff: object = None
    township: object = None
    bureau_ids: list = field(default_factory=list)

    def __post_init__(self):
        if not self.bureau_ids:
            if self.staff is None and self.department is None:
                self.bureau_ids = list(self.bureau.descendants().values_list("pk", flat=True))
            else:
                self.bureau_ids = [self.bureau.pk]

    @property
    def whole_bureau(self) -> bool:
        return self.staff is None and self.department is None

    @property
    def label(self) -> str:
        if self.staff is not None:
            label = str(self.staff)
        elif self.department is not None:
            label = str(self.department)
        else:
            label = str(self.bureau)
        return f"{label} · {self.township.name}" if self.township is not None else label

    def query(self) -> str:
        """The scope as query parameters, for links that keep it."""
        parts = [f"bureau={self.bureau.pk}"]
        if self.staff is not None:
            parts.append(f"staff={self.staff.pk}")
        elif self.department is not None:
            parts.append(f"department={self.department.pk}")
        if self.township is not None:
            parts.append(f"township={self.township.pk}")
        return "&".join(parts)


class BureauNeeded(Http404):
    """A page that works in one bureau, opened by the platform operator (who belongs to none) without
    saying which (`?bureau=`): the operator is asked to choose one (ChooseBureauMiddleware renders the
    choice); for anyone else, and in the API, it stays a 404."""


def working_bureau(request):
    """The bureau a page works in: the user's own; for the platform operator the one chosen with
    `?bureau=` (BureauNeeded while none is chosen, a 404 for one that does not exist)."""
    user = request.user
    if user.bureau_id is not None:
        return user.bureau
    if not is_operator(user):
        raise Http404
    wanted = query_id(request.GET, "bureau")
    if wanted is None:
        raise BureauNeeded
    chosen = apps.get_model("org", "Bureau").objects.filter(pk=wanted).first()
    if chosen is None:
        raise Http404
    return chosen


def _id(value) -> int | None:
    """A row id, given as a number or as text from a query string (already checked there)."""
    if value is None or value == "":
        return None
    found = parse_id(str(value))
    if found is None:
        raise Http404
    return found


def heads(user, department_id) -> bool:
    return user.role == Role.DEPT_HEAD and bool(user.department_id) and user.department_id == department_id


def may_see_person(user, person) -> bool:
    """A person's own figures, notebook and quota: themselves, their department's head, the leaders
    and inspectors of their bureau (or of a parent bureau)."""
    return person.pk == user.pk or sees_whole_bureau(user) or heads(user, person.department_id)


def choose_scope(user, *, bureau=None, department=None, staff=None, township=None, default_own=True) -> Scope:
    """The scope asked for (ids as strings from a query), limited to what the user may see: their own
    figures (staff), their department and its people (heads), the bureau, its departments, people and
    child bureaus (leaders and inspectors). Anything else is a 404 (another bureau) or a 403.

    `default_own=False` makes the bureau-wide view the default for everyone (lists every member reads)."""
    Bureau = apps.get_model("org", "Bureau")
    Department = apps.get_model("org", "Department")
    Staff = apps.get_model("org", "Staff")
    Place = apps.get_model("org", "Place")
    wanted = _id(bureau)
    if user.bureau_id is None:
        if not is_operator(user):
            raise Http404
        if wanted is None:
            raise BureauNeeded
        chosen = Bureau.objects.filter(pk=wanted).first()
        if chosen is None:
            raise Http404
    else:
        chosen = user.bureau
        if wanted is not None and wanted != chosen.pk:
            if not sees_whole_bureau(user):
                raise PermissionDenied
            chosen = chosen.descendants().filter(pk=wanted).first()
            if chosen is None:
                raise Http404
    scope = Scope(bureau=chosen, bureau_ids=list(chosen.descendants().values_list("pk", flat=True)))
    staff_id, department_id = _id(staff), _id(department)
    if staff_id is not None:
        person = Staff.objects.filter(pk=staff_id, bureau=chosen).select_related("department").first()
        if person is None:
            raise Http404
        if not may_see_person(user, person):
            raise PermissionDenied
        scope = Scope(bureau=chosen, staff=person)
    elif department_id is not None:
        dept = Department.objects.filter(pk=department_id, bureau=chosen).first()
        if dept is None:
            raise Http404
        if not (sees_whole_bureau(user) or heads(user, dept.pk)):
            raise PermissionDenied
        scope = Scope(bureau=chosen, department=dept)
    elif default_own and not sees_whole_bureau(user):
        if user.role == Role.DEPT_HEAD and user.department_id:
            scope = Scope(bureau=chosen, department=user.department)
        else:
            scope = Scope(bureau=chosen, staff=user)
    township_id = _id(township)
    if township_id is not None:
        scope.township = (
            Place.objects.within(chosen.area.code).filter(pk=township_id, level="township").first()
        )
        if scope.township is None:
            raise Http404
    return scope


def scope_from_request(request, **options) -> Scope:
    get = request.GET  # a malformed id is a 400 with a message, not a quiet default
    return choose_scope(
        request.user,
        bureau=query_id(get, "bureau"),
        department=query_id(get, "department"),
        staff=query_id(get, "staff"),
        township=query_id(get, "township"),
        **options,
    )


def people_in_view(user, bureau) -> models.QuerySet:
    """The people whose figures the user may open within `bureau` (for choosers)."""
    Staff = apps.get_model("org", "Staff")
    people = Staff.objects.filter(bureau=bureau, is_active=True).exclude(role=Role.ADMIN)
    if sees_whole_bureau(user):
        return people
    if user.role == Role.DEPT_HEAD and user.department_id:
        return people.filter(department_id=user.department_id)
    return people.filter(pk=user.pk)


def people_to_choose(user, bureau, *, staff=None, department=None):
    """The people a person chooser offers (dashboard, scorecard): for those who see the whole bureau
    (a province's leader: thousands), the people of the department chosen (or of the chosen person's
    department) only — a department first, then a person; for a department's head, their
    department's people; none for a staff member (their own figures)."""
    if user.role == Role.STAFF:
        return []
    people = people_in_view(user, bureau).order_by("name")
    if not sees_whole_bureau(user):
        return people
    if staff is not None:
        return people.filter(department_id=staff.department_id) if staff.department_id else [staff]
    if department is not None:
        return people.filter(department=department)
    return []


def may_read_notebook(user, person) -> bool:
    """A person's work notebook (diary and month): themselves, those who read every notebook of the
    bureau, and the head of their department."""
    if person.bureau_id != user.bureau_id and not is_operator(user):
        return False
    if person.pk == user.pk or has_cap(user, Cap.VIEW_ALL_NOTEBOOKS):
        return True
    return has_cap(user, Cap.REVIEW_NOTEBOOKS) and heads(user, person.department_id)


# --- service identities (API keys) ------------------------------------------------------------

# The role of a service identity: an API key acting for its bureau. It is not a person's role (no
# staff member has it); its capabilities are the ones chosen when the key was made, never the
# integrity register's.
SERVICE_ROLE = "service"
# Never a machine's: the integrity register, assessments, the audit trail, administering, and anything
# that shows a person who asked to stay confidential or personal numbers in full.
SERVICE_CAPS = (
    frozenset(Cap.values)
    - ROLE_BOUND_CAPS
    - {Cap.ADMINISTER, Cap.VIEW_AUDIT, Cap.SEE_CONFIDENTIAL, Cap.UNMASK_ANY, Cap.UNMASK_OWN_AREA}
)


def _service_has_cap(identity, cap: str) -> bool:
    return identity.bureau_id is not None and cap in SERVICE_CAPS and cap in identity.caps


def _api_keys(qs, user):
    """A bureau's API keys: its administrators (and the platform operator) only."""
    if not has_cap(user, Cap.ADMINISTER):
        return qs.none()
    return _bureau_rows(qs, user)


RULES["api.apikey"] = _api_keys
AUDITED_NARROWER.append("api.apikey")
# The offline outbox's ids: the API looks them up itself, no page reads them.
BOOKKEEPING.add("api.clientsubmission")
RULES["api.apikeyuse"] = lambda qs, user: qs.filter(
    key__in=_api_keys(apps.get_model("api", "ApiKey").objects.all(), user)
)


def by_raiser(user, text: str) -> Q:
    """Cases found through who raised them (a household's name, initials or phone tail): a
    confidential case only for those who may see its raiser, so a search does not name them."""
    found = Q(household__search_key__contains=text)
    if has_cap(user, Cap.SEE_CONFIDENTIAL):
        return found
    return found & (Q(confidential=False) | Q(owner_id=user.pk))
