from django.core.management.base import BaseCommand, CommandError

from sanwen.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up to FILE (default var/backups/sanwen-<time>.sqlite3|.dump); safe while running."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")

    def handle(self, *args, file=None, **options):
        try:
            path = backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size / 2**20:.1f} MB).")
