import datetime

from django.db import transaction

from sanwen.campaigns import defaults
from sanwen.campaigns.models import (
    Campaign,
    CaseCategory,
    DeedKind,
    HandlingMode,
    Prohibition,
    RankQuota,
    ReviewDimension,
    Vehicle,
    VisitRole,
    ZeroTarget,
)
from sanwen.core.audit import audit_create
from sanwen.core.vocabulary import terms


@transaction.atomic
def campaign_create(
    *,
    bureau,
    name: str,
    start: datetime.date,
    end: datetime.date | None = None,
    description: str = "",
    name_en: str = "",
    description_en: str = "",
    by=None,
) -> Campaign:
    """A new campaign for the bureau, seeded with the report's vocabulary and rules (each term in simplified
    Chinese and English; traditional derived by OpenCC)."""
    campaign = Campaign(
        bureau=bureau,
        **terms("name", name, name_en),
        **terms("description", description, description_en),
        start=start,
        end=end,
    )
    campaign.full_clean()
    campaign.save()
    # Every language of each term is given outright: a plain name= fills only the active language's column.
    Vehicle.objects.bulk_create(
        Vehicle(campaign=campaign, code=c, **terms("name", n, en), group=g, produces_research=r, order=i)
        for i, (c, n, en, g, r) in enumerate(defaults.VEHICLES)
    )
    VisitRole.objects.bulk_create(
        VisitRole(campaign=campaign, code=c, **terms("name", n, en), order=i)
        for i, (c, n, en) in enumerate(defaults.VISIT_ROLES)
    )
    HandlingMode.objects.bulk_create(
        HandlingMode(
            campaign=campaign,
            code=c,
            **terms("name", *name),
            **terms("short_name", *short),
            deadline_kind=k,
            time_limit_days=d,
            closing_rule=rule,
            order=i,
            **extra,
        )
        for i, (c, name, short, k, d, rule, extra) in enumerate(defaults.HANDLING_MODES)
    )
    RankQuota.objects.bulk_create(
        RankQuota(campaign=campaign, rank=rank, days_per_month=days) for rank, days in defaults.QUOTAS.items()
    )
    ReviewDimension.objects.bulk_create(
        ReviewDimension(campaign=campaign, code=c, **terms("name", n, en), order=i)
        for i, (c, n, en) in enumerate(defaults.REVIEW_DIMENSIONS)
    )
    Prohibition.objects.bulk_create(
        Prohibition(campaign=campaign, code=c, **terms("name", n, en), order=i)
        for i, (c, n, en) in enumerate(defaults.PROHIBITIONS)
    )
    ZeroTarget.objects.bulk_create(
        ZeroTarget(campaign=campaign, code=c, **terms("name", *name), **terms("description", *what), order=i)
        for i, (c, name, what) in enumerate(defaults.ZERO_TARGETS)
    )
    CaseCategory.objects.bulk_create(
        CaseCategory(campaign=campaign, code=c, **terms("name", n, en), order=i)
        for i, (c, n, en) in enumerate(defaults.CASE_CATEGORIES)
    )
    vehicles = {v.code: v for v in Vehicle.objects.filter(campaign=campaign)}
    DeedKind.objects.bulk_create(
        DeedKind(
            campaign=campaign,
            code=c,
            **terms("name", *name),
            **terms("unit", *unit),
            vehicle=vehicles.get(v),
            order=i,
        )
        for i, (c, name, unit, v) in enumerate(defaults.DEED_KINDS)
    )
    audit_create(by=by, obj=campaign)
    return campaign
