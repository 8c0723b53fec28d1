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
