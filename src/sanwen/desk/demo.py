"""The deterministic demo county: 钟山县烟草专卖局(营销部) with its staff, places, clients and a
campaign's activity. Each app contributes a step; the same arguments give the same database."""

import datetime
import random

from django.db import transaction

from sanwen.accountability import demo as accountability_demo
from sanwen.campaigns import demo as campaigns_demo
from sanwen.cases import demo as cases_demo
from sanwen.clients import demo as clients_demo
from sanwen.core.demo import DEMO_SEED, DemoContext
from sanwen.fieldwork import demo as fieldwork_demo
from sanwen.fieldwork.services import visit_record
from sanwen.org import demo as org_demo

STEPS = [
    org_demo.build,
    campaigns_demo.build,
    clients_demo.build,
    fieldwork_demo.build,
    cases_demo.build,
    fieldwork_demo.finish,
    accountability_demo.build,
]


def build_demo(*, start: datetime.date, end: datetime.date, say=print, progress=None) -> DemoContext:
    ctx = DemoContext(
        start=start,
        end=end,
        rng=random.Random(DEMO_SEED),
        say=say,
        progress=progress or (lambda label, done, total: None),
    )
    ctx.data["visit_record"] = visit_record  # cases raised on a visit record the visit too
    with transaction.atomic():
        for step in STEPS:
            step(ctx)
    return ctx
