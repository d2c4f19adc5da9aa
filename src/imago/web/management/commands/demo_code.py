"""Print the current two-factor code of the demo accounts, for trying the site locally.

It works only for the demo's fixed key; real devices have random keys nobody can print.
"""

import time

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from imago.demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo therapist and admin."

    def handle(self, *args, **options):
        code = totp(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, t0=0, digits=6)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  (valid for about {left} more seconds)")
