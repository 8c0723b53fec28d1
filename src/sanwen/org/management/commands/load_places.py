from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sanwen.org.services import ZHONGSHAN_PLACES, places_load


class Command(BaseCommand):
    help = "Load statistical divisions from a CSV of code, name, parent_code (default: the 钟山县 subset)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(ZHONGSHAN_PLACES))

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = places_load(text=path.read_text(encoding="utf-8-sig"))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"{result['rows']} rows: {result['created']} places added, {result['renamed']} renamed."
        )
