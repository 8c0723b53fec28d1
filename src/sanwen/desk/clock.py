"""The clock's pass as the platform runs it: the cases' reminders, supervision, return visits and
follow-ups (sanwen.cases.clock), and the commitments past due (accountability), under one lock."""

import datetime

from sanwen.accountability.services import commitments_flag_past_due
from sanwen.cases.clock import PassResult
from sanwen.cases.clock import clock_pass as cases_pass


def clock_pass(*, today: datetime.date | None = None, send_email: bool = True) -> PassResult:
    return cases_pass(today=today, send_email=send_email, flag_commitments=commitments_flag_past_due)
