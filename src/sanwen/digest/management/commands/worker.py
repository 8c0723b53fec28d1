import signal
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from sanwen.digest.schedule import scheduled_work
from sanwen.notify.worker import run_once, worker_name


class Command(BaseCommand):
    help = (
        "Send the outbox's messages (e-mail, WeCom, SMS); queue the daily digest and clients' SMS when due."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="send what is due, then exit (for cron, tests)"
        )
        parser.add_argument("--interval", type=int, default=5, help="seconds between looks at the outbox")
        parser.add_argument("--batch", type=int, default=20, help="messages claimed at a time")

    def handle(self, *args, once=False, interval=5, batch=20, **options):
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        name = worker_name()
        while True:
            queued = scheduled_work()
            tally = run_once(worker=name, batch=max(batch, 1))
            if tally.handled or queued or once:
                self.stdout.write(
                    f"worker {timezone.localtime():%Y-%m-%d %H:%M:%S}: {queued} queued; {tally.summary()}"
                )
            if once or stop:
                return
            for _ in range(max(interval, 1)):
                if stop:
                    return
                time.sleep(1)
