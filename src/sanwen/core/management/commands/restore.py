from django.core.management.base import BaseCommand, CommandError

from sanwen.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Replace the database's content with a backup made by `sanwen backup`. Stop the site first."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, yes=False, **options):
        if not yes:
            answer = input(f"Everything in the database will be replaced by {file}. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored from {file}.")
