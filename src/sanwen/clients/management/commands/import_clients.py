from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from tqdm import tqdm

from sanwen.clients.imports import clients_import
from sanwen.org.models import Bureau, Staff


class Command(BaseCommand):
    help = "Import households, licences and contracts from an xlsx or csv file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bureau", required=False, help="bureau code (default: the only county bureau)")
        parser.add_argument("--by", help="username recorded as the importer")

    def handle(self, *args, file, bureau=None, by=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if bureau:
            target = Bureau.objects.filter(code=bureau).select_related("area").first()
            if target is None:
                raise CommandError(f"No bureau with code {bureau}")
        else:
            counties = list(Bureau.objects.filter(level="county").select_related("area")[:2])
            if len(counties) != 1:
                raise CommandError("Name the bureau with --bureau CODE.")
            target = counties[0]
        actor = Staff.objects.filter(username=by).first() if by else None
        if by and actor is None:
            raise CommandError(f"No user {by}")
        # A bar on a terminal; in a log (cron, CI, a pipe) no escape codes, only the outcome.
        bar = tqdm(
            desc=_("checking rows"), unit=pgettext("progress unit", "row"), disable=not self.stderr.isatty()
        )

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        outcome = clients_import(
            bureau=target, by=actor, filename=path.name, content=path.read_bytes(), progress=progress
        )
        bar.close()
        run = outcome.run
        if outcome.errors:
            for e in run.errors[:50]:
                self.stderr.write(
                    "  "
                    + _("row %(row)s · %(column)s · %(value)s · %(reason)s")
                    % {"row": e["row"], "column": e["column"], "value": e["value"], "reason": e["reason"]}
                )
            if len(run.errors) > 50:
                self.stderr.write(
                    "  "
                    + _("… and %(n)d more (see the import report in the web page)")
                    % {"n": len(run.errors) - 50}
                )
            raise CommandError(
                _("Nothing was imported: %(n)d problems in %(file)s.")
                % {"n": len(run.errors), "file": path.name}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(file)s: %(added)d households added, %(updated)d updated, %(licences)d licences, "
                    "%(contracts)d contracts."
                )
                % {
                    "file": path.name,
                    "added": run.households_created,
                    "updated": run.households_updated,
                    "licences": run.licences_written,
                    "contracts": run.contracts_written,
                }
            )
        )
