from django.core.management.base import BaseCommand

from imago.demo import DEMO_PASSWORD, demo_create, demo_exists, demo_logins, demo_totp_secret


class Command(BaseCommand):
    help = "Create the demo practice (a therapist, two couples, one individual) and print logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="create the demo only when it is not there yet; print the logins either way",
        )

    def handle(self, *args, if_empty, **options):
        if demo_exists():
            if not if_empty:
                self.stderr.write("The demo practice exists already; nothing created.")
        else:
            demo_create()
            self.stdout.write(self.style.SUCCESS("Created the demo practice (invented people)."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
        for login in demo_logins():
            self.stdout.write(f"  {login.email:<24} {login.who}")
        self.stdout.write(
            "Two-factor for the therapist and admin: add the key "
            f"{demo_totp_secret()} to an authenticator app,\n"
            "or print the current code with: .venv/bin/imago demo_code"
        )
        self.stdout.write("")
