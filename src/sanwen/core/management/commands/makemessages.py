from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # Fuzzy guesses attach old translations to new messages (seen here: "Give the reason for the
    # extension." got the first-contact message). New messages stay empty, so they get translated.
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
