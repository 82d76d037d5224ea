"""A dated snapshot is an archive: once made, nothing changes it.

A snapshot is a page (Page) with ``archived_on`` set, its blocks
(activities included), and their many-to-many rows (the page's agreements
and partners, the activities' themes and partners). This module refuses every write to one that
goes through Django: a model's save() and delete() (the raw saves of
``loaddata`` included), the activities QuerySets' update() and bulk_create()
(delete() asks each row's pre_delete), the links added or removed from either
side, and deleting a theme, partner, agreement or contact a snapshot uses.

Only the services that make, replace or delete a whole snapshot write one, each
inside ``writable(...)``: an allowance for the snapshots it names that lasts as
long as its own transaction. ``loaddata`` of a fixture whose page date is new
may write the snapshot it creates, until its transaction ends; a record of an
existing snapshot that it saves again unchanged passes. On PostgreSQL a
trigger on each of these tables (migrations 0009 and 0015) refuses the same
writes made in plain SQL unless the transaction set the allowance
(``ALLOWANCE_SETTING``): a data migration that must change a snapshot's rows
takes ``writable(...)`` too.
"""

import contextlib
import contextvars
import functools
import operator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_delete, pre_save

# Read by the PostgreSQL trigger: the snapshots this transaction may write, "slug@YYYY-MM-DD,…".
ALLOWANCE_SETTING = "coop_site.writable_snapshots"

HINT = (
    "To change the page, start a live draft from the snapshot (in the pages' list, "
    "“Start a live draft from the selected snapshot”) and edit that; to correct the snapshot itself, "
    "a Publisher loads its fixture again with load_snapshot --replace --user <their user name>."
)

# (database alias, (slug, date), the atomic block the allowance lasts for)
_allowances = contextvars.ContextVar("writable_snapshots", default=())


@dataclass(frozen=True)
class Snapshot:
    slug: str
    archived_on: object  # a date
    title: str

    @classmethod
    def of(cls, page):
        return cls(page.slug, page.archived_on, page.title)

    def __str__(self):
        return f"the snapshot “{self.title}” of {self.archived_on:%Y-%m-%d}"

    @property
    def key(self):
        return (self.slug, self.archived_on)


class SnapshotChangeRefused(PermissionDenied):
    """A write that would add, change or remove a record of a dated snapshot."""

    def __init__(self, what, snapshot, hint=HINT):
        self.snapshot = snapshot
        super().__init__(refusal(what, snapshot, hint))


def refusal(what, snapshot, hint=HINT):
    """Why ``what`` is refused, and what to do instead, in words."""
    return f"Cannot {what}: {snapshot} is read-only. {hint}"


# The allowance.


class Allowance:
    """The snapshots a writable() block may write; add() names one more."""

    def __init__(self, using, block):
        self.using, self.block = using, block

    def add(self, slug, archived_on):
        _allowances.set((*_allowances.get(), (self.using, (slug, archived_on), self.block)))
        _tell_database(self.using)


@contextlib.contextmanager
def writable(*snapshots, using=DEFAULT_DB_ALIAS):
    """A transaction in which the dated snapshots ``snapshots`` ((slug, date)
    pairs), and those added to the allowance it yields, may be written. For the
    services that make, replace or delete a whole snapshot, and for nothing else."""
    block = transaction.atomic(using=using)
    with block:
        token = _allowances.set(_allowances.get())
        allowance = Allowance(using, block)
        try:
            for slug, archived_on in snapshots:
                allowance.add(slug, archived_on)
            yield allowance
        finally:
            _allowances.reset(token)
        # After an error the rollback of this block takes the database's allowance back.
        _tell_database(using)


def _writable(using):
    """The snapshots writable now: those of the allowances whose transaction is still open."""
    blocks = connections[using].atomic_blocks
    live = tuple(entry for entry in _allowances.get() if any(block is entry[2] for block in blocks))
    if len(live) != len(_allowances.get()):
        _allowances.set(live)
    return {key for alias, key, _ in live if alias == using}


def _tell_database(using):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    value = ",".join(sorted(f"{slug}@{archived_on.isoformat()}" for slug, archived_on in _writable(using)))
    with connection.cursor() as cursor:
        # Local to the transaction: it ends with it.
        cursor.execute("SELECT set_config(%s, %s, true)", [ALLOWANCE_SETTING, value])


def _first_closed(snapshots, using):
    """The first snapshot of ``snapshots`` that may not be written here, if any."""
    allowed = _writable(using) if snapshots else set()
    return next((snapshot for snapshot in snapshots if snapshot.key not in allowed), None)


def check(snapshots, what, using, hint=HINT):
    """Refuses unless every snapshot of ``snapshots`` may be written here."""
    snapshot = _first_closed(snapshots, using)
    if snapshot is not None:
        raise SnapshotChangeRefused(what, snapshot, hint)


# Which snapshots a write touches.


def _models():
    from .models import BLOCK_TYPES, Page

    return Page, BLOCK_TYPES


def _dated(using, *, pages=()):
    """The dated pages among ``pages`` (ids or a subquery)."""
    Page, _ = _models()
    found = Page._base_manager.using(using).filter(archived_on__isnull=False, pk__in=pages)
    return [Snapshot(*row) for row in found.order_by("archived_on", "slug").values_list("slug", "archived_on", "title")]


def _stored(queryset):
    """The snapshots the rows of ``queryset`` belong to as stored: a page is
    its own; a block (an activity too) is its page's."""
    Page, _ = _models()
    if queryset.model is Page:
        return _dated(queryset.db, pages=queryset.values("pk"))
    return _dated(queryset.db, pages=queryset.values("page_id"))


def _of_values(model, objs, using):
    """The snapshots unsaved rows would belong to."""
    Page, _ = _models()
    if model is Page:
        return [Snapshot(obj.slug, _date(obj.archived_on), obj.title) for obj in objs if obj.is_snapshot]
    pages = [obj.page_id for obj in objs if obj.page_id is not None]
    return _dated(using, pages=pages) if pages else []


def _id(value):
    return getattr(value, "pk", value)


def _date(value):
    """A page's date as a date, however it was given ("2021-01-19" too)."""
    Page, _ = _models()
    return Page._meta.get_field("archived_on").to_python(value)


def _unchanged(model, instance, using):
    """Whether ``instance`` holds exactly what its stored row holds."""
    stored = model._base_manager.using(using).filter(pk=instance.pk).first() if instance.pk is not None else None
    return stored is not None and all(
        field.value_from_object(stored) == field.value_from_object(instance)
        for field in model._meta.concrete_fields if field.serialize  # what a fixture holds
    )


# The activities QuerySets (models.py) call these two.


def check_update(queryset, changes):
    """update() of ``queryset`` with ``changes``: neither the rows nor where they go may be in a snapshot."""
    Page, _ = _models()
    using = queryset._db or router.db_for_write(queryset.model)
    queryset = queryset.using(using)
    what = f"update {queryset.model._meta.verbose_name_plural}"
    check(_stored(queryset), what, using)
    archived_on = changes.get("archived_on")
    if queryset.model is Page and archived_on is not None and not hasattr(archived_on, "resolve_expression"):
        # Dating live pages would make snapshots without freeze_snapshot.
        rows = queryset.values_list("slug", "title")
        check([Snapshot(slug, _date(archived_on), title) for slug, title in rows], what, using)
    targets = [_id(changes[name]) for name in ("page", "page_id") if name in changes]
    targets = [pk for pk in targets if isinstance(pk, (int, str))]
    if targets:
        check(_dated(using, pages=targets), what, using)


def check_new_rows(model, objs, using):
    """bulk_create() of ``objs``."""
    check(_of_values(model, objs, using), f"add {model._meta.verbose_name_plural}", using)


# Signal handlers.


def _check_save(sender, instance, raw, using, **kwargs):
    Page, _ = _models()
    stored = _stored(sender._base_manager.using(using).filter(pk=instance.pk)) if instance.pk is not None else []
    keys = {snapshot.key for snapshot in stored}
    snapshots = [*stored, *(s for s in _of_values(sender, [instance], using) if s.key not in keys)]
    closed = _first_closed(snapshots, using)
    if closed is None:
        return
    if raw and _unchanged(sender, instance, using):
        return  # loaddata saving a record again as it is
    if raw and sender is Page and not _exists(sender, instance, using) and _begins_snapshot(instance, using):
        return
    verbose = sender._meta.verbose_name
    if stored:  # named as it is stored, not as the refused change would have it
        what = f"change the {verbose} “{sender._base_manager.using(using).get(pk=instance.pk)}”"
    elif instance.pk is None:
        what = f"add the {verbose} “{instance}”"
    elif sender is Page:
        what = f"date the live version “{instance.title}”"
    else:
        what = f"move the {verbose} “{instance}” into a snapshot"
    raise SnapshotChangeRefused(what, closed)


def _exists(model, instance, using):
    return instance.pk is not None and model._base_manager.using(using).filter(pk=instance.pk).exists()


def _begins_snapshot(page, using):
    """loaddata of a fixture whose page date is not in the database: the
    records of the snapshot it creates may be written until its transaction ends."""
    connection = connections[using]
    Page, _ = _models()
    archived_on = _date(page.archived_on)
    if not connection.atomic_blocks or Page._base_manager.using(using).filter(
        slug=page.slug, archived_on=archived_on
    ).exists():
        return False
    Allowance(using, connection.atomic_blocks[-1]).add(page.slug, archived_on)
    return True


def _check_delete(sender, instance, using, origin=None, **kwargs):
    # Named as the caller asked: "delete the page …", not the first of its activities.
    if isinstance(origin, models.Model):
        what = f"delete the {origin._meta.verbose_name} “{origin}”"
    elif isinstance(origin, models.QuerySet):
        what = f"delete {origin.model._meta.verbose_name_plural}"
    else:
        what = f"delete the {sender._meta.verbose_name} “{instance}”"
    check(_stored(sender._base_manager.using(using).filter(pk=instance.pk)), what, using)


def _links_checker(field):
    """For the m2m_changed signal of ``field`` (on a page or an activity)."""
    owner_model = field.model

    def check_links(sender, instance, action, reverse, model, pk_set, using, **kwargs):
        if action not in ("pre_add", "pre_remove", "pre_clear") or (action != "pre_clear" and not pk_set):
            return
        if not reverse:  # page.agreements.add(…), activity.themes.remove(…)
            owners = owner_model._base_manager.filter(pk=instance.pk)
            what = f"change the {field.verbose_name} of the {owner_model._meta.verbose_name} “{instance}”"
        else:  # theme.activities.add(…), agreement.pages.clear()
            owners = owner_model._base_manager.filter(
                pk__in=pk_set if action != "pre_clear" else getattr(instance, field.remote_field.name).values("pk")
            )
            what = f"change the {field.remote_field.name} of the {type(instance)._meta.verbose_name} “{instance}”"
        check(_stored(owners.using(using)), what, using)

    return check_links


# Records that snapshots use without owning them, and how a page reaches each:
# a partner through its activities and the page's own list of partners, a
# contact through the page's contact blocks.
SHARED = {
    "activities.theme": ["activities__themes"],
    "partners.partner": ["activities__partners", "partners"],
    "partners.agreement": ["agreements"],
    "partners.contact": ["pagecontact_blocks__contact"],
}


def snapshots_using(obj, using=DEFAULT_DB_ALIAS):
    """The dated snapshots that use ``obj`` (a theme, partner, agreement or contact)."""
    Page, _ = _models()
    paths = SHARED[obj._meta.label_lower]
    pages = Page._base_manager.using(using).filter(archived_on__isnull=False)
    pages = pages.filter(functools.reduce(operator.or_, (Q(**{path: obj}) for path in paths))).distinct()
    return [Snapshot(*row) for row in pages.order_by("archived_on", "slug").values_list("slug", "archived_on", "title")]


def _check_shared(sender, instance, using, **kwargs):
    """Deleting a record snapshots use would remove their links to it. (A
    contact that any contact block names is kept by the block's foreign key
    too: Django refuses it with ProtectedError before this is asked.)"""
    what = f"delete the {sender._meta.verbose_name} “{instance}”, which a snapshot uses"
    hint = "It stays as long as a snapshot holds it; it may be edited, or removed from the live version."
    check(snapshots_using(instance, using), what, using, hint)


def connect():
    """Connects the handlers (ActivitiesConfig.ready)."""
    from partners.models import Agreement, Contact, Partner

    from .models import BLOCK_TYPES, Activity, Page, Theme

    for model in (Page, *BLOCK_TYPES):
        pre_save.connect(_check_save, sender=model, dispatch_uid=f"snapshot-save-{model._meta.label_lower}")
        pre_delete.connect(_check_delete, sender=model, dispatch_uid=f"snapshot-delete-{model._meta.label_lower}")
    for field in (Page._meta.get_field("agreements"), Page._meta.get_field("partners"),
                  Activity._meta.get_field("themes"), Activity._meta.get_field("partners")):
        m2m_changed.connect(_links_checker(field), sender=field.remote_field.through, weak=False,
                            dispatch_uid=f"snapshot-links-{field.model._meta.label_lower}-{field.name}")
    for model in (Theme, Partner, Agreement, Contact):
        pre_delete.connect(_check_shared, sender=model, dispatch_uid=f"snapshot-shared-{model._meta.label_lower}")
