"""Site-wide writes: visitors' messages."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_managers
from django.db import transaction
from django.urls import reverse

logger = logging.getLogger(__name__)


def message_allowed(address):
    """At most CONTACT_RATE_LIMIT messages per address an hour; counts this one."""
    key = f"contact-messages:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    return sent <= settings.CONTACT_RATE_LIMIT


def receive_message(form):
    """Store the message first; only once it is saved are staff told of it.
    A failed notification loses nothing: the message waits in the admin."""
    message = form.save()
    transaction.on_commit(lambda: _notify_staff(message))
    return message


def _notify_staff(message):
    admin_url = reverse("admin:coop_site_message_change", args=[message.pk])
    try:
        mail_managers(
            f"Message from the site: {message.subject}",
            f"{message.name} <{message.email}> wrote from {message.page or 'the contact page'}:\n\n"
            f"{message.body}\n\nMark it handled in the admin: {admin_url}",
        )
    except Exception:  # noqa: BLE001 - the message is stored; a mail failure must not lose the request
        logger.exception("Could not notify staff of message %s; it is stored and shown in the admin.", message.pk)
