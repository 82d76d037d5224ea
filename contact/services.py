"""Visitors' messages: stored, counted per address, and mailed to staff."""

import datetime
import ipaddress
import logging

from django.conf import settings
from django.core.mail import mail_managers
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import ContactSender

logger = logging.getLogger(__name__)

MESSAGE_WINDOW = datetime.timedelta(hours=1)


class TooManyMessages(Exception):
    """The address has sent CONTACT_RATE_LIMIT messages within the last hour."""

    def __init__(self, wait):
        super().__init__(f"Too many messages from this address; the next one is taken in {wait}.")
        self.wait = wait  # until the oldest of them is an hour old


@transaction.atomic
def receive_message(form, address):
    """Store the message, unless its address has sent CONTACT_RATE_LIMIT messages
    within the last hour (a sliding hour): then raise TooManyMessages, storing nothing.

    The count is kept in the database, in the transaction that stores the
    message: the address's row is locked (on SQLite the transaction holds the
    write lock from its start), so every worker and host counts exactly, with
    or without the cache. Staff are told only once the message is saved; a
    failed notification loses nothing, as the message waits in the admin."""
    address = sender_of(address)
    sender, _ = ContactSender.objects.select_for_update().get_or_create(
        address=address, defaults={"last_message_at": timezone.now()}
    )
    now = timezone.now()  # once the row is ours, so that its times follow each other
    start = now - MESSAGE_WINDOW
    _forget_quiet_senders(start, but=address)
    times = sorted(time for time in map(datetime.datetime.fromisoformat, sender.message_times) if time > start)
    limit = settings.CONTACT_RATE_LIMIT
    if len(times) >= limit:
        oldest_counted = times[-limit] if limit else now
        raise TooManyMessages(wait=oldest_counted + MESSAGE_WINDOW - now)
    message = form.save()
    sender.message_times = [time.isoformat() for time in [*times, now]]
    sender.last_message_at = now
    sender.save()
    transaction.on_commit(lambda: _notify_staff(message))
    return message


def sender_of(address):
    """Who the contact form counts: an IPv4 address, or an IPv6 address's /64
    network (one household or host is given a whole /64, and could otherwise
    send from a fresh address each time)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def _forget_quiet_senders(start, *, but):
    """Addresses are kept only while their messages count. Rows another
    transaction holds are skipped (never waited for): no deadlock, and the
    next message removes them."""
    quiet = ContactSender.objects.filter(last_message_at__lte=start).exclude(address=but)
    ids = list(quiet.select_for_update(skip_locked=True).values_list("pk", flat=True))
    if ids:
        ContactSender.objects.filter(pk__in=ids).delete()


def _notify_staff(message):
    admin_url = reverse("admin:contact_message_change", args=[message.pk])
    try:
        mail_managers(
            f"Message from the site: {message.subject}",
            f"{message.name} <{message.email}> wrote from {message.page or 'the contact page'}:\n\n"
            f"{message.body}\n\nMark it handled in the admin: {admin_url}",
        )
    except Exception:  # noqa: BLE001 - the message is stored; a mail failure must not lose the request
        logger.exception("Could not notify staff of message %s; it is stored and shown in the admin.", message.pk)
