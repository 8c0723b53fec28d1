from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
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
        bar = tqdm(desc="checking rows", unit="row")

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
                self.stderr.write(f"  row {e['row']} · {e['column']} · {e['value']} · {e['reason']}")
            if len(run.errors) > 50:
                self.stderr.write(
                    f"  … and {len(run.errors) - 50} more (see the import report in the web page)"
                )
            raise CommandError(f"Nothing was imported: {len(run.errors)} problems in {path.name}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {run.households_created} households added, {run.households_updated} updated, "
                f"{run.licences_written} licences, {run.contracts_written} contracts."
            )
        )
