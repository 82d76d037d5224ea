"""Writes every content model shares: publication (publish, schedule,
unpublish), revert to a version from the history, and either done to each of
several items on its own. Each is one transaction and records history and
the admin's log.

A model whose records may be read-only (an app's archive, say) refuses these
through its records' ``change_refusal`` (core.publishing.Revised): this
module knows no app.
"""

from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from .publishing import Status, publish_permission
from .revisions import author, check_revision, compare, moment, revertable_fields


def refuse_if_read_only(item, what):
    """Refuse ``what`` (words: "revert “…”") if ``item`` says it may not be done to it."""
    refusal = item.change_refusal(what)
    if refusal:
        raise ValidationError(refusal)


def publish(item, *, user, publish_at=None, revision=None):
    """Publish ``item`` now, or schedule it to appear at ``publish_at``.
    ``revision``: the one the caller read, if it read the item earlier (a
    list): the item is left as it is if it changed since (EditConflict)."""
    if publish_at is not None and publish_at <= timezone.now():
        raise ValidationError("A scheduled publication time must be in the future.")
    message = f"Scheduled for {timezone.localtime(publish_at):%Y-%m-%d %H:%M %Z}." if publish_at else "Published."
    return _set_publication(item, user=user, status=Status.PUBLISHED, publish_at=publish_at, message=message,
                            revision=revision)


def unpublish(item, *, user, revision=None):
    """Take ``item`` off the public site (back to draft); ``revision`` as for publish()."""
    return _set_publication(item, user=user, status=Status.DRAFT, publish_at=None, message="Unpublished.",
                            revision=revision)


def _set_publication(item, *, user, status, publish_at, message, revision):
    model = type(item)
    if not user.has_perm(publish_permission(model)):
        raise PermissionDenied(f"You may not publish, unpublish or schedule {model._meta.verbose_name_plural}.")
    refuse_if_read_only(item, f"change the publication of “{item}”")
    with transaction.atomic():
        item = model._default_manager.select_for_update().get(pk=item.pk)
        if revision is not None:
            check_revision(item, revision)
        item.status, item.publish_at = status, publish_at
        item.full_clean()
        item._history_user, item._change_reason = user, message
        item.save(update_fields=["status", "publish_at"])
        LogEntry.objects.log_actions(user.pk, [item], CHANGE, change_message=message)
    return item


def revert(item, version, *, user, revision):
    """Restore ``item``'s content as ``version`` (one of its history entries)
    holds it: its content fields and the many-to-many links its history keeps.
    Its publication (status, publication time) is left as it is: only
    publish, unpublish and schedule change it; so are the fields its model
    names in ``not_reverted`` (revisions.revertable_fields). Refused if ``item`` changed after ``revision`` was
    read (EditConflict), or if nothing would change."""
    model = type(item)
    if not user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
        raise PermissionDenied(f"You may not change {model._meta.verbose_name_plural}.")
    refuse_if_read_only(item, f"revert “{item}”")
    with transaction.atomic():
        item = model._default_manager.select_for_update().get(pk=item.pk)
        check_revision(item, revision)
        changes = compare(item, version, revertable_fields(model))
        if not changes:
            raise ValidationError("This version's content is the same as now: there is nothing to revert.")
        links = {}
        for change in changes:
            model_field = model._meta.get_field(change.name)
            if model_field.many_to_many:
                # Only what still exists: a theme deleted since cannot be linked again.
                links[change.name] = model_field.related_model._default_manager.filter(pk__in=change.new)
            else:
                setattr(item, model_field.attname, change.new)
        item.full_clean()
        reason = f"Reverted to the version of {moment(version.history_date)}, saved by {author(version)}."
        item._history_user, item._change_reason = user, reason
        item.save()
        for name, related in links.items():
            getattr(item, name).set(related)
        LogEntry.objects.log_actions(user.pk, [item], CHANGE, change_message=reason)
    return item


@dataclass
class BulkReport:
    """What a bulk action did: each item on its own, so one failure undoes nothing else."""

    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (item, reason)


def for_each(items, change, **kwargs):
    """Apply ``change`` (publish or unpublish) to each item in its own transaction."""
    report = BulkReport()
    for item in items:
        try:
            report.done.append(change(item, **kwargs))
        except ValidationError as error:
            report.failed.append((item, " ".join(error.messages)))
        except (PermissionDenied, DatabaseError) as error:
            report.failed.append((item, str(error)))
    return report
