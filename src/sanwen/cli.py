"""The `sanwen` console command: Django's management commands with the settings preset."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanwen.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv
    # `sanwen import clients FILE` reads better than `sanwen import_clients FILE`.
    if len(argv) >= 3 and argv[1] == "import":
        argv = [argv[0], f"import_{argv[2]}", *argv[3:]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
