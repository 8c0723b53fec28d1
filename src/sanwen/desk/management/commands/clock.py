import datetime
import signal
import time

from django.core.management.base import BaseCommand, CommandError

from sanwen.desk.clock import clock_pass


class Command(BaseCommand):
    help = "Run the clock: reminders (催办), supervision (督办), return visits and follow-ups due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
        parser.add_argument("--interval", type=int, default=300, help="seconds between passes (default 300)")
        parser.add_argument("--date", help="run as if today were YYYY-MM-DD (back-filling, tests)")

    def handle(self, *args, once=False, interval=300, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"{date!r} is not a date like 2026-03-05") from exc
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        while True:
            result = clock_pass(today=today)
            self.stdout.write(f"clock {datetime.datetime.now():%Y-%m-%d %H:%M:%S}: {result.summary()}")
            if once or stop:
                return
            for _ in range(max(interval, 1)):
                if stop:
                    return
                time.sleep(1)
