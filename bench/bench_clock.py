"""One clock pass over the province's open cases (PostgreSQL only), against one hand-written SELECT of
the same due cases; within 3x of it.

The province comes from bench.generate (BENCH_SCALE, default 1.0: 500,000 open cases)."""

import datetime
import os

from django.db import connection, transaction

from bench.common import Result, best_of
from bench.generate import BENCH_TODAY, generate

# The cases due since the last pass (yesterday): the set the pass has to act on.
FLOOR_SQL = """
SELECT id FROM cases_case
WHERE state IN ('registered', 'accepted', 'assigned', 'in_progress')
  AND (remind_on BETWEEN %(first)s AND %(today)s OR escalate_on BETWEEN %(first)s AND %(today)s
       OR escalate_leader_on BETWEEN %(first)s AND %(today)s)
"""


def runs_on() -> bool:
    return connection.vendor == "postgresql"


def run() -> list[Result]:
    from sanwen.cases.clock import clock_pass
    from sanwen.cases.models import Case

    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    made = generate(scale)
    open_cases = Case.objects.open().count()
    due = []

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                FLOOR_SQL, {"first": BENCH_TODAY - datetime.timedelta(days=1), "today": BENCH_TODAY}
            )
            due[:] = cursor.fetchall()

    outcome = {}

    def sanwen(send_email=False):
        with transaction.atomic():
            outcome["result"] = clock_pass(today=BENCH_TODAY, send_email=send_email)
            transaction.set_rollback(True)  # every repetition starts from the same state

    floor_seconds = best_of(floor, 5)
    seconds = best_of(sanwen, 3)
    result = outcome["result"]
    # With e-mail on, the pass also logs each due alert once (the generated staff have no addresses,
    # so this measures the log, not mail delivery).
    with_email = best_of(lambda: sanwen(send_email=True), 3)
    note = (
        f"{open_cases:,} open cases, {len(due):,} due since yesterday's pass: {result.reminded:,} reminders, "
        f"{result.escalated:,} + {result.escalated_to_leader:,} supervisions; with the e-mail log "
        f"{with_email:.3f}s ({with_email / floor_seconds:.1f}x); generated in {made['seconds']}s"
    )
    print("  " + note)
    assert result.reminded + result.escalated + result.escalated_to_leader >= len(due), (
        "every due case is acted on"
    )
    return [
        Result(
            name=f"clock pass, {open_cases:,} open cases",
            database="postgresql",
            seconds=seconds,
            floor_seconds=floor_seconds,
            max_ratio=3,
            note=note,
        )
    ]
