"""Writes shared by the admin and the management commands: the snapshots
made, started from and deleted in the admin (a snapshot's fixture is loaded
and exported by snapshots.py). Publication and revert, which every content
model shares, are core.services'; a snapshot refuses them through its
models' ``change_refusal``."""

from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.publishing import Status, publish_permission

from . import snapshot_rules
from .models import BLOCK_TYPES, Activity, Page
from .snapshots import SnapshotError, is_publisher, link_new_records


def freeze_snapshot(page, *, archived_on, user=None):
    """Freeze the live version of a page, as the public sees it now, into a
    new published snapshot dated ``archived_on``. Only Publishers may."""
    if user is not None and not (user.has_perm("activities.add_page") and user.has_perm(publish_permission(Page))):
        raise PermissionDenied("Only Publishers may make a snapshot.")
    if page.is_snapshot:
        raise SnapshotError(f"{page} is already a snapshot: a snapshot is made from the live version.")
    if not Page.objects.published().filter(pk=page.pk).exists():
        raise SnapshotError(f"{page} is not public: there is nothing public to freeze.")
    if Page.objects.filter(slug=page.slug, archived_on=archived_on).exists():
        raise SnapshotError(f"{page.title} already has a snapshot dated {archived_on:%Y-%m-%d}.")
    with snapshot_rules.writable((page.slug, archived_on)):
        return _copy_version(
            page, archived_on=archived_on, status=Status.PUBLISHED, public_only=True, user=user,
            reason=f"Snapshot of the live version, dated {archived_on:%Y-%m-%d}.",
        )


def delete_snapshot(snapshot, *, user):
    """A whole dated snapshot, its blocks and activities with it (they never
    go alone). Only Publishers may."""
    if not is_publisher(user):
        raise PermissionDenied("Only Publishers may delete a snapshot.")
    if not snapshot.is_snapshot:
        raise SnapshotError(f"{snapshot} is the live version, not a snapshot.")
    with snapshot_rules.writable((snapshot.slug, snapshot.archived_on)):
        snapshot._history_user = user
        snapshot.delete()


def start_live_version(snapshot, *, user=None):
    """A live draft copy of a snapshot, for editors to work on; the page's
    address goes on showing the snapshot until the copy is published."""
    if user is not None and not user.has_perm("activities.add_page"):
        raise PermissionDenied("You may not add pages.")
    if Page.objects.filter(slug=snapshot.slug, archived_on__isnull=True).exists():
        raise SnapshotError(f"{snapshot.title} already has a live version: edit that one.")
    return _copy_version(
        snapshot, archived_on=None, status=Status.DRAFT, public_only=False, user=user,
        reason=f"Live version started from the snapshot of {snapshot.version_name}.",
    )


def _copy_version(page, *, archived_on, status, public_only, user, reason):
    """A copy of a version of a page and its blocks (activities included), in one transaction."""
    blocks = []
    for model in BLOCK_TYPES:
        rows = model.objects.filter(page=page)
        if model is Activity:
            rows = (rows.published() if public_only else rows).prefetch_related("themes", "partners")
        blocks += sorted(rows, key=lambda block: (block.ordering, block.pk))
    # Activities printed inside another come after it: their reference is to a copy.
    blocks.sort(key=lambda block: isinstance(block, Activity) and block.printed_in_id is not None)
    links = {"agreements": list(page.agreements.all()), "partners": list(page.partners.all())}
    page = Page.objects.get(pk=page.pk)  # the caller's object is left as it is

    with transaction.atomic():
        copy = _copied(page, user=user, reason=reason, archived_on=archived_on, status=status, publish_at=None,
                       links=links)
        activity_ids = {}
        for block in blocks:
            if not isinstance(block, Activity):
                _copied(block, user=user, reason=reason, page=copy)
                continue
            if block.printed_in_id is not None and block.printed_in_id not in activity_ids:
                continue  # printed inside an activity that is not public: neither is it
            themes, partners, original_pk = list(block.themes.all()), list(block.partners.all()), block.pk
            new = _copied(
                block, user=user, reason=reason, page=copy, printed_in_id=activity_ids.get(block.printed_in_id),
                links={"themes": themes, "partners": partners},
            )
            activity_ids[original_pk] = new.pk
        if user is not None:
            LogEntry.objects.log_actions(user.pk, [copy], ADDITION, change_message=reason)
    return copy


def _copied(item, *, user, reason, links=None, **changes):
    """``item`` saved as a new row with ``changes`` (the object itself becomes
    the copy) and its many-to-many ``links`` ({field name: objects}); its
    history names the copy, links included."""
    copy = item
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.revision = 1  # a new record
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.full_clean()
    copy._history_user, copy._change_reason = user, reason
    copy.save()
    if links:
        entry = type(copy).history.filter(id=copy.pk).latest("history_id")
        for name, linked in links.items():
            link_new_records(type(copy)._meta.get_field(name), [(copy.pk, obj.pk, entry) for obj in linked])
    return copy
