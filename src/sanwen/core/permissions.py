"""Roles, what each may do, and scoping of every query to what the user may see."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _


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


def has_cap(user, cap: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.bureau_id is None:
        return False
    return cap in ROLE_CAPS.get(user.role, frozenset())


def sees_whole_bureau(user) -> bool:
    """Leaders and inspectors see the bureau's (and its children's) figures; others their own part."""
    return user.role in (Role.LEADER, Role.INSPECTOR) or user.is_superuser


def require_cap(user, cap: str) -> None:
    if not has_cap(user, cap):
        raise PermissionDenied


def scope(queryset: models.QuerySet, user) -> models.QuerySet:
    """Rows of the user's own bureau. A superuser without a bureau (platform operator) sees all."""
    if user.is_superuser and user.bureau_id is None:
        return queryset
    if user.bureau_id is None:
        return queryset.none()
    return queryset.filter(bureau_id=user.bureau_id)


def get_scoped_or_404(queryset: models.QuerySet, user, **lookup):
    """Fetch one row the user may see; another bureau's row is indistinguishable from a missing one."""
    try:
        return scope(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
