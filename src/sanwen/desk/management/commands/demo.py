import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from sanwen.core.append_only import protect, unprotect
from sanwen.core.demo import DEMO_PASSWORD, default_period
from sanwen.desk.demo import build_demo
from sanwen.org.models import Bureau, Staff

LOGIN_ORDER = ["leader", "depthead", "staff", "inspector", "admin", "operator"]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date like 2025-07-01") from exc


class Command(BaseCommand):
    help = "Build the deterministic demo county (钟山县烟草专卖局) in an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--start", help="campaign start, YYYY-MM-DD (default: eight months before --end)")
        parser.add_argument("--end", help="last day of activity, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but print the logins) if there is data"
        )
        parser.add_argument("--flush", action="store_true", help="erase the whole database first")

    def handle(self, *args, **options):
        end = _date(options["end"]) if options["end"] else timezone.localdate()
        start = _date(options["start"]) if options["start"] else default_period(end)[0]
        if start >= end:
            raise CommandError("--start must be before --end")
        if options["flush"]:
            # Erasing a database takes the audit trail with it, which the database otherwise refuses:
            # allowed only for a local demo (DEBUG on), never on a production installation.
            if not settings.DEBUG:
                raise CommandError("--flush erases the audit trail: only for a local demo with DEBUG on.")
            unprotect(connection)
            try:
                call_command("flush", interactive=False, verbosity=0)
            finally:
                protect(connection)
        if Bureau.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; the demo was not rebuilt.")
                self._print_logins()
                return
            raise CommandError("The database is not empty. Use --flush to erase it and rebuild the demo.")
        self.stdout.write(f"Building the demo county for {start} – {end} …")
        bars: dict[str, tqdm] = {}
        on_terminal = self.stdout.isatty()

        def progress(label, done, total):
            bar = bars.get(label) or bars.setdefault(
                label,
                # Bars on a terminal only: a log (make run piped, CI) gets no escape codes.
                tqdm(total=total, desc=f"  {label}", unit="row", leave=False, disable=not on_terminal),
            )
            bar.update(done - bar.n)

        ctx = build_demo(
            start=start, end=end, say=tqdm.write if on_terminal else self.stdout.write, progress=progress
        )
        for bar in bars.values():
            bar.close()
        self.stdout.write(self.style.SUCCESS(f"Demo county built: {ctx.data['county'].name}."))
        self._print_logins()

    def _print_logins(self):
        people = {
            s.username: s for s in Staff.objects.filter(username__in=LOGIN_ORDER).select_related("department")
        }
        if not people:
            return
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for username in LOGIN_ORDER:
            person = people.get(username)
            if person:
                where = person.department.name if person.department else "平台"
                self.stdout.write(f"  {username:<10} {person.name} · {where} · {person.get_role_display()}")
