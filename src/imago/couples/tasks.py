"""E-mail sent on a partner's behalf, outside the request.

The text is neutral on purpose: an e-mail can be read over someone's shoulder or by whoever
shares the inbox, so it names only the sender and says nothing about what the site is for.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_partner_invitation(*, to: str, inviter_name: str, link: str, code: str, expires_on: str):
    subject = f"An invitation from {inviter_name}"
    body = (
        f"Hello,\n\n"
        f"{inviter_name} invited you to join them on {settings.SITE_NAME}.\n\n"
        f"Open this link to accept:\n{link}\n\n"
        f"Or log in and enter this code: {code}\n\n"
        f"The invitation works once and until {expires_on}.\n"
        f"If you were not expecting it, you can ignore this message.\n"
    )
    send_mail(subject, body, None, [to])
