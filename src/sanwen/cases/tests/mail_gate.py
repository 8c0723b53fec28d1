"""For the clock's concurrency test: an e-mail backend that holds the pass sending mail (and so its
transaction and the clock) until the test opens the gate, a file named by SANWEN_TEST_MAIL_GATE."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class GatedBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        gate = Path(os.environ["SANWEN_TEST_MAIL_GATE"])
        (gate.parent / "sending").touch()
        deadline = time.monotonic() + 60
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(email_messages)


def hold_the_outbox():
    """The clock no longer sends mail: it queues its messages (sanwen.notify) inside the pass. Hold
    the pass there instead, until the test opens the gate."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanwen.settings")
    django.setup()
    from sanwen.cases import clock

    real = clock.enqueue

    def gated(notices, **kwargs):
        notices = list(notices)
        GatedBackend().send_messages([])
        return real(notices, **kwargs)

    clock.enqueue = gated
