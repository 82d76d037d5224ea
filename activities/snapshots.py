"""Snapshot fixtures: a version of a page as a natural-key fixture, loaded
(load_snapshot: all of it or nothing, each record checked, a snapshot already
in the database never changed unless a Publisher replaces it) and exported
(export_snapshot). The commands load_snapshot, load_initial_data and
export_snapshot and the admin's "Load a snapshot" call these."""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from core.publishing import publish_permission
from core.text import partner_slugs
from partners.models import Partner

from . import selectors, snapshot_rules
from .models import BLOCK_TYPES, LIVE, Activity, Page
from .snapshot_rules import Snapshot

# A snapshot holds content only: no users, permissions or content types.
SNAPSHOT_APPS = {"activities", "partners"}


class SnapshotError(Exception):
    """A snapshot that cannot be loaded or made; nothing of it was kept."""


def is_publisher(user):
    """Publishers may make, replace and delete snapshots."""
    return user is not None and all(
        user.has_perm(permission) for permission in ("activities.delete_page", publish_permission(Page))
    )


@dataclass
class SnapshotReport:
    path: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)  # records of a replaced snapshot that the file does not hold
    differences: list = field(default_factory=list)  # (order, message): how the file differs from dated snapshots

    @property
    def total(self):
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.unchanged.values())

    def lines(self):
        yield f"Loaded {self.total} records from {self.path}:"
        for label in sorted(set(self.created) | set(self.updated) | set(self.unchanged) | set(self.removed)):
            removed = f", {self.removed[label]} removed" if self.removed[label] else ""
            yield (
                f"  {label}: {self.created[label]} created, {self.updated[label]} updated, "
                f"{self.unchanged[label]} unchanged{removed}"
            )


def find_page(name, *, archived_on):
    """The version of a page dated ``archived_on`` (None: the live one), named
    by its slug ("epa-collaboration-peru"), the slug's last word ("peru") or
    its country ("Peru")."""
    versions = list(Page.objects.filter(archived_on=archived_on))
    slugs = selectors.page_slugs_named(name, versions)
    if len(slugs) > 1:
        raise SnapshotError(f"“{name}” names several pages dated {archived_on or LIVE}: give the full slug.")
    if slugs:
        return next(page for page in versions if page.slug == slugs[0])
    known = ", ".join(str(page) for page in Page.objects.order_by("slug", "archived_on")) or "none"
    raise SnapshotError(f"No page “{name}” dated {archived_on or LIVE}. The pages are: {known}.")


def export_snapshot(page):
    """Exactly one version of a page as a natural-key fixture (a list of
    records): the things it refers to first, then the page and its blocks in
    order (an activity printed inside another after it). load_snapshot reads it back."""
    blocks = []
    for model in BLOCK_TYPES:
        rows = model.objects.filter(page=page)
        if model is Activity:
            rows = rows.prefetch_related("themes", "partners")
        blocks += rows
    blocks.sort(key=lambda block: (isinstance(block, Activity) and block.printed_in_id is not None,
                                   block.ordering, BLOCK_TYPES.index(type(block)), block.pk))
    places = Counter((type(block), block.ordering) for block in blocks if not isinstance(block, Activity))
    twice = next((place for place, count in places.items() if count > 1), None)
    if twice:
        # A fixture names a block by its place; two in one place could not be told apart when loaded.
        model, ordering = twice
        raise SnapshotError(
            f"{page} cannot be exported: two {model._meta.verbose_name_plural} of it stand at ordering {ordering}, "
            "and a block is known by its place. Give each its own place (save the page's form once), then export it."
        )
    activities = [block for block in blocks if isinstance(block, Activity)]
    themes = {theme for activity in activities for theme in activity.themes.all()}
    partners = {partner for activity in activities for partner in activity.partners.all()}
    partners |= set(page.partners.all())
    partners |= set(Partner.objects.filter(slug__in=partner_slugs(*(
        value for block in blocks for value in selectors.block_texts(block)
    ))))
    contacts = {block.contact for block in blocks if getattr(block, "contact_id", None)}
    objects = [
        *sorted(themes, key=lambda theme: theme.slug),
        *sorted(partners, key=lambda partner: partner.slug),
        *page.agreements.order_by("slug"),
        *sorted(contacts, key=lambda contact: contact.slug),
        page,
        *blocks,
    ]
    return json.loads(
        serializers.serialize("json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True)
    )


def load_snapshot(path, *, user=None, replace=False):
    """Load a natural-key fixture in one transaction: all of it, or nothing.
    Every record is checked with full_clean(). Each record created, changed or
    removed gets a history entry naming the file and ``user``; an unchanged
    one is left alone.

    A snapshot already in the database does not change: a file that differs
    from one (a record changed, added, or missing from the file) is refused
    whole, unless ``replace``, by a Publisher: then that snapshot becomes
    exactly what the file holds."""
    if replace and not is_publisher(user):
        who = f"{user.get_username()} is not one" if user is not None else "name one with --user"
        raise PermissionDenied(f"Only Publishers may replace a snapshot: {who}.")
    records = _read_records(path)
    report = SnapshotReport(path=str(path))
    reason = f"Loaded from {Path(path).name}" + (" with --replace" if replace else "")
    with snapshot_rules.writable() as allowance:
        loader = _Loader(path, report, user=user, reason=reason, replace=replace, allowance=allowance,
                         held=_held_blocks(records))
        for index, record in enumerate(records, start=1):
            loader.add(_Where(path, index, record), record)
        loader.finish()
    return report


class _Loader:
    """Reads records in file order. New records are inserted in bulk, with their
    history, a model's run at a time; changed ones are saved one by one. Natural
    keys are looked up in one query per model, not one per reference.

    The records of a snapshot already in the database are compared, not
    written, unless ``replace``: the differences are counted and refused at
    the end. The snapshots this load creates or replaces are added to the
    ``allowance`` (snapshot_rules.writable) before their first record is written;
    the blocks of a replaced snapshot that the file does not hold (``held``)
    are removed then too, so that the file's blocks may take their places and anchors."""

    def __init__(self, path, report, *, user, reason, replace, allowance, held):
        self.path, self.report, self.user, self.reason, self.replace = path, report, user, reason, replace
        self.allowance, self.held = allowance, held
        self.removed = {}  # (model, natural key) -> the block of a replaced snapshot removed for the file
        self.known = {}  # model -> {natural key: object}, from the database and from this file
        self.new = []  # (where, instance, m2m pks) of the model being read, not yet inserted
        self.loaded = []  # (where, instance, references resolved here) of every record, for the final full_clean
        self.forward = []  # (where, instance, field, value): references to records further down
        self.waiting = []  # (where, existing, instance, m2m): records compared once their forward references are found
        self.seen = {}  # (model, natural key) -> where: a key given twice is an error
        # The snapshots in the database before this load, and those this file holds records of.
        self.snapshots = {page.pk: page for page in Page.objects.filter(archived_on__isnull=False)}
        self.touched = {}

    def add(self, where, record):
        model = _check_record(where, record)
        if self.new and type(self.new[0][1]) is not model:
            self.insert_new()
        instance, m2m, resolved, waits = model(), {}, [], False
        for name, value in record["fields"].items():
            model_field = model._meta.get_field(name)
            if model_field.many_to_many:
                if not isinstance(value, list):
                    raise SnapshotError(where.say("expected a list of natural keys", name))
                m2m[name] = [self.find(where, model_field, key).pk for key in value]
            elif model_field.is_relation:
                target = None if value is None else self.find(where, model_field, value, forward=model_field.null)
                if target is None and value is not None:
                    self.forward.append((where, instance, model_field, value))
                    waits = True
                elif not model_field.null:
                    resolved.append(model_field.name)
                setattr(instance, model_field.name, target)
            else:
                try:
                    setattr(instance, model_field.attname, model_field.to_python(value))
                except ValidationError as error:
                    raise SnapshotError(where.say(" ".join(error.messages), field_name=name)) from error
        key = tuple(instance.natural_key())
        if (model, key) in self.seen:
            raise SnapshotError(where.say(f"repeats the natural key of record {self.seen[model, key].index}"))
        self.seen[model, key] = where
        existing = self.index(model).get(key)
        snapshot = self.snapshot_of(existing or instance)
        if existing is None and snapshot is not None and not self.replace:
            self.differ(where.index, where.say(f"is not in {Snapshot.of(snapshot)} already in the database"))
            self.index(model)[key] = instance  # compared and cleaned, never written
        elif existing is None:
            if model is Page and instance.is_snapshot:
                self.allowance.add(instance.slug, instance.archived_on)  # a new snapshot
            self.new.append((where, instance, m2m))
            self.index(model)[key] = instance
        elif waits:
            self.waiting.append((where, existing, instance, m2m))
        else:
            self.update(where, existing, instance, m2m)
        self.loaded.append((where, instance, resolved))

    def snapshot_of(self, obj):
        """The snapshot already in the database that ``obj`` (a stored record
        or one read from the file) belongs to; None for anything else."""
        page_id = obj.pk if isinstance(obj, Page) else getattr(obj, "page_id", None)
        snapshot = self.snapshots.get(page_id)
        if snapshot is not None and snapshot.pk not in self.touched:
            self.touched[snapshot.pk] = snapshot
            if self.replace:
                self.allowance.add(snapshot.slug, snapshot.archived_on)
                self.remove_what_the_file_lacks(snapshot)
        return snapshot

    def differ(self, order, message):
        self.report.differences.append((order, message))

    def index(self, model):
        if model not in self.known:
            # The required references, which natural keys are made of (a block's page).
            required = [f.name for f in model._meta.concrete_fields if f.many_to_one and not f.null]
            queryset = model._default_manager.select_related(*required) if required else model._default_manager.all()
            if model._meta.many_to_many:
                queryset = queryset.prefetch_related(*(field.name for field in model._meta.many_to_many))
            self.known[model] = {tuple(obj.natural_key()): obj for obj in queryset}
        return self.known[model]

    def find(self, where, model_field, value, *, forward=False):
        """The object a natural key refers to; None for a forward reference, if allowed."""
        target_model = model_field.related_model
        key = tuple(value) if isinstance(value, list) else (value,)
        if not all(part is None or isinstance(part, (str, int)) for part in key):
            raise SnapshotError(where.say("a natural key is a text, or a list of texts", model_field.name))
        obj = self.index(target_model).get(key)
        if obj is not None and obj.pk is None:  # read from this file, still waiting to be inserted
            self.insert_new()
        gone = self.removed.get((target_model, key))
        if obj is None and gone is not None:
            raise SnapshotError(where.say(
                f"refers to {_named(gone)} of {Snapshot.of(gone.page)}, which the file does not hold: "
                "a file that replaces a snapshot holds all of it", model_field.name,
            ))
        if obj is None and not forward:
            shown = json.dumps(value, ensure_ascii=False)
            raise SnapshotError(where.say(f"refers to no {target_model._meta.label_lower} with natural key {shown}",
                                          model_field.name))
        return obj

    def update(self, where, existing, instance, m2m):
        model, label = type(existing), existing._meta.label_lower
        instance.pk = existing.pk
        instance._state.adding = False  # validated as an update
        instance.revision = existing.revision  # not in a fixture; moves on from the record's own if saved
        unchanged = all(
            model_field.value_from_object(existing) == model_field.value_from_object(instance)
            for model_field in model._meta.concrete_fields
        ) and all(set(related.pk for related in getattr(existing, name).all()) == set(pks) for name, pks in m2m.items())
        if unchanged:
            self.report.unchanged[label] += 1
            return
        snapshot = self.snapshot_of(existing)
        if snapshot is not None and not self.replace:
            self.differ(where.index, where.say(f"differs from {Snapshot.of(snapshot)} already in the database"))
            return
        try:
            with transaction.atomic():
                instance._history_user, instance._change_reason = self.user, self.reason
                instance.save()
                for name, pks in m2m.items():
                    getattr(instance, name).set(pks)
        except (DatabaseError, ValueError, snapshot_rules.SnapshotChangeRefused) as error:
            raise SnapshotError(_refusal(where, instance, error)) from error
        self.index(model)[tuple(instance.natural_key())] = instance
        self.report.updated[label] += 1

    def insert_new(self):
        """Insert the new records read so far (all of one model), their
        many-to-many links and a history entry for each, in bulk."""
        if not self.new:
            return
        batch, self.new = self.new, []
        model = type(batch[0][1])
        instances = [instance for _, instance, _ in batch]
        for instance in instances:
            if hasattr(instance, "normalize"):  # what save() would do; bulk_create does not call it
                instance.normalize()
        try:
            with transaction.atomic():
                model._default_manager.bulk_create(instances, batch_size=500)
                history = model.history.bulk_history_create(
                    instances, batch_size=500, default_user=self.user, default_change_reason=self.reason
                )
                for model_field in model._meta.many_to_many:
                    self.link(model_field, batch, history)
        except (DatabaseError, ValueError, snapshot_rules.SnapshotChangeRefused) as error:
            refusal = self.refusal_of(model, batch)
            if refusal is None:
                first = batch[0][0]
                refusal = first.say(f"cannot be saved, with the {len(batch) - 1} records after it: {error}")
            raise SnapshotError(refusal) from error
        self.report.created[model._meta.label_lower] += len(batch)

    def refusal_of(self, model, batch):
        """Which record of a batch the database refused, and why: the records
        are inserted again one by one (the load is undone anyway)."""
        for where, instance, _ in batch:
            try:
                with transaction.atomic():
                    model._default_manager.bulk_create([instance])
            except (DatabaseError, ValueError, snapshot_rules.SnapshotChangeRefused) as error:
                return _refusal(where, instance, error)
        return None

    def link(self, model_field, batch, history):
        """The links of one many-to-many field, and their rows in the history entries."""
        link_new_records(model_field, [
            (instance.pk, pk, entry)
            for (_, instance, m2m), entry in zip(batch, history)
            for pk in dict.fromkeys(m2m.get(model_field.name, []))
        ])

    def finish(self):
        self.insert_new()
        waiting = {id(instance) for _, _, instance, _ in self.waiting}
        for where, instance, model_field, value in self.forward:
            setattr(instance, model_field.name, self.find(where, model_field, value))
            if id(instance) not in waiting and instance.pk is not None:  # inserted by this load
                instance._history_user, instance._change_reason = self.user, self.reason
                try:
                    with transaction.atomic():
                        instance.save()
                except (DatabaseError, ValueError, snapshot_rules.SnapshotChangeRefused) as error:
                    raise SnapshotError(_refusal(where, instance, error)) from error
        for item in self.waiting:
            self.update(*item)
        self.compare_what_the_file_lacks()
        for where, instance, resolved in self.loaded:
            try:
                # The required references (a page) were found just now, and the
                # constraints on them are natural keys, checked above (one record per key):
                # asking the database again would cost three queries a record. The rows
                # are inserted already, so they passed the database's own constraints,
                # which are the models' constraints: checking those again is a query a
                # constraint a record, for nothing.
                instance.full_clean(exclude=resolved, validate_constraints=False)
            except ValidationError as error:
                name, messages = next(iter(error.message_dict.items()))
                raise SnapshotError(where.say(" ".join(messages), field_name=name)) from error
        if self.report.differences:  # checked last, so that a broken file names its real fault
            count = len(self.report.differences)
            first = min(self.report.differences, key=lambda difference: difference[0])[1]
            raise SnapshotError(
                f"{first} ({count} difference{'s' if count != 1 else ''} in all). A snapshot does not change: "
                "to make it what the file holds, a Publisher loads the file with --replace --user <their user name>."
            )

    def compare_what_the_file_lacks(self):
        """The blocks (activities included) of the snapshots this file holds
        records of that it does not hold: differences, unless ``replace``
        (then they are removed already)."""
        if self.replace:
            return
        missing = []
        for snapshot in self.touched.values():
            for model in BLOCK_TYPES:
                stored = model.objects.filter(page=snapshot).select_related("page")
                missing += [obj for obj in stored if (model, tuple(obj.natural_key())) not in self.seen]
        missing.sort(key=lambda obj: (obj.ordering, BLOCK_TYPES.index(type(obj)), obj.pk))
        for order, obj in enumerate(missing, start=len(self.loaded) + 1):
            self.differ(order, f"{self.path}: {_named(obj)} of {Snapshot.of(obj.page)} is in the database but not in the file")

    def remove_what_the_file_lacks(self, snapshot):
        """Removes the blocks of ``snapshot`` (being replaced) that the file does
        not hold, before any of the file's records of it is written: a heading
        of the file may then take the place or the anchor of one removed. An
        activity kept that was printed inside one removed is compared with the
        file's record of it as it was read (the database emptied its reference),
        so that the change is saved, and in its history."""
        missing = [
            (model, key, obj)
            for model in BLOCK_TYPES
            for key, obj in self.index(model).items()
            if obj.pk is not None and obj.page_id == snapshot.pk and (model, key) not in self.held
        ]
        # Those printed inside another first: removing the other would empty their reference.
        missing.sort(key=lambda found: not (isinstance(found[2], Activity) and found[2].printed_in_id))
        for model, key, obj in missing:
            obj._history_user, obj._change_reason = self.user, self.reason
            try:
                obj.delete()
            except (DatabaseError, snapshot_rules.SnapshotChangeRefused) as error:
                raise SnapshotError(f"{self.path}: {_named(obj)} of {Snapshot.of(snapshot)}, which the file does not "
                                    f"hold, cannot be removed: {error}") from error
            del self.index(model)[key]
            self.removed[model, key] = obj
            self.report.removed[model._meta.label_lower] += 1


def _held_blocks(records):
    """(model, natural key) of each block (activity included) that ``records``
    hold, as _Loader.add() finds it; what cannot be read is left to add() to refuse."""
    models = {model._meta.label_lower: model for model in BLOCK_TYPES}
    held = set()
    for record in records:
        fields = record.get("fields") if isinstance(record, dict) else None
        model = models.get(str(record.get("model", "")).lower()) if isinstance(fields, dict) else None
        if model is None or not isinstance(fields.get("page"), list):
            continue
        own = model._meta.get_field("slug" if model is Activity else "ordering")
        try:
            value = own.to_python(fields.get(own.name, own.get_default()))
        except ValidationError:
            continue
        key = (value, *fields["page"])
        if all(part is None or isinstance(part, (str, int)) for part in key):
            held.add((model, key))
    return held


def _named(obj):
    """A record as messages name it: by its slug or anchor, else (a block) by its place."""
    return _name(obj._meta.label_lower, {name: getattr(obj, name, None) for name in ("slug", "anchor", "ordering")})


def _name(label, fields):
    key = fields.get("slug") or fields.get("anchor")
    if key:
        return f"{label} {key!r}"
    if fields.get("ordering") is not None:
        return f"{label} at ordering {fields['ordering']}"
    return label


def _refusal(where, instance, error):
    """Why the database refused to save ``instance``: in the words of the
    model's constraint it breaks, checked against the records saved before it."""
    try:
        instance.validate_constraints()
    except ValidationError as invalid:
        name, messages = next(iter(invalid.message_dict.items()))
        return where.say(" ".join(messages), field_name=name)
    return where.say(f"cannot be saved: {error}")


def link_new_records(model_field, rows):
    """Many-to-many links of new records, ``rows`` of (record id, linked id,
    the record's history entry), with their rows in those history entries:
    the entries were written with the records, before there were links."""
    source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
    through = model_field.remote_field.through
    links = through.objects.bulk_create(
        [through(**{f"{source}_id": owner, f"{target}_id": pk}) for owner, pk, _ in rows], batch_size=500
    )
    history_model = _m2m_history_model(model_field)
    history_model.objects.bulk_create(
        [
            # Each history row keeps the id of the link it copies, as the library's own do.
            history_model(**{"id": link.pk, f"{source}_id": owner, f"{target}_id": pk, "history": entry})
            for link, (owner, pk, entry) in zip(links, rows)
        ],
        batch_size=500,
    )


def _m2m_history_model(model_field):
    """django-simple-history's table of a many-to-many field's rows in each history entry."""
    history_model = model_field.model.history.model
    name = f"{history_model._meta.model_name}_{model_field.name}"
    return next(relation.related_model for relation in history_model._meta.related_objects if relation.name == name)


class _Where:
    """Names a record of a fixture in error messages."""

    def __init__(self, path, index, record):
        self.path, self.index = path, index
        fields = record.get("fields") if isinstance(record, dict) else None
        fields = fields if isinstance(fields, dict) else {}
        self.label = _name(str(record.get("model", "?")) if isinstance(record, dict) else "?", fields)

    def say(self, problem, field_name=None):
        field_part = f", field '{field_name}'" if field_name and field_name != "__all__" else ""
        return f"{self.path}: record {self.index} ({self.label}){field_part}: {problem}"


# A snapshot's records nest 5 deep (the list, a record, its fields, a list
# of natural keys, a key); anything much deeper is no snapshot.
MAX_NESTING = 10
# What no database stores: NUL (PostgreSQL refuses it, SQLite would keep it)
# and lone surrogates, which are no characters (UTF-8 cannot encode them).
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unstorable(text):
    """Why ``text`` cannot be stored, in words; None if it can."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found[0] == "\x00":
        return "holds a NUL character (U+0000), which a database does not store"
    return f"holds a lone surrogate (U+{ord(found[0]):04X}), which is no character: a database does not store it"


def _read_records(path):
    limit = settings.SNAPSHOT_MAX_BYTES
    try:
        with open(path, "rb") as file:
            data = file.read(limit + 1)  # no more than that, whatever the file's size
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SnapshotError(f"{path}: cannot be read: {error}") from error
    if len(data) > limit:
        raise SnapshotError(f"{path}: larger than {limit:,} bytes, the most a snapshot file may hold "
                            "(settings.SNAPSHOT_MAX_BYTES)")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from error
    except ValueError as error:  # a number too long to read
        raise SnapshotError(f"{path}: not valid JSON: {error}") from error
    except RecursionError as error:
        raise SnapshotError(f"{path}: nested deeper than {MAX_NESTING} levels: a snapshot is a list of records "
                            "that hold values and natural keys") from error
    if not isinstance(records, list):
        raise SnapshotError(f"{path}: a snapshot is a JSON list of records")
    for index, record in enumerate(records, start=1):
        _check_values(_Where(path, index, record), record)
    return records


def _check_values(where, record):
    """Refuse a record nested too deep, or holding text no database stores
    (in a value or a name), naming its field."""
    stack = [(record, 2, ())]  # (value, its depth in the file, the names that lead to it in the record)
    while stack:
        value, depth, names = stack.pop()
        field_name = names[1] if len(names) > 1 and names[0] == "fields" else None
        if depth > MAX_NESTING:
            raise SnapshotError(where.say(f"nested deeper than {MAX_NESTING} levels: a snapshot's records "
                                          "hold values and natural keys", field_name))
        texts = [value] if isinstance(value, str) else list(value) if isinstance(value, dict) else []
        for text in texts:
            problem = unstorable(text)
            if problem:
                raise SnapshotError(where.say(problem, field_name))
        # Pushed last first, so that the first fault in the file is the one named.
        if isinstance(value, list):
            stack += [(item, depth + 1, names) for item in reversed(value)]
        elif isinstance(value, dict):
            stack += [(item, depth + 1, (*names, name)) for name, item in reversed(value.items())]


# A file written before pages were called pages names them "programs": it is
# refused, saying what to write instead, rather than read under two names.
OLD_PAGE_LABEL = "activities.program"
OLD_NAMES_HINT = (
    'pages were called programs when this file was written: write "activities.page" for "activities.program", '
    'and "page" for the field "program" of each block and activity'
)


def _check_record(where, record):
    """The record's model, once its shape, model and field names are right."""
    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict) or "model" not in record:
        raise SnapshotError(where.say('a record is an object with "model" and "fields"'))
    if str(record["model"]).lower() == OLD_PAGE_LABEL:
        raise SnapshotError(where.say(f"unknown model {record['model']!r}: {OLD_NAMES_HINT}"))
    try:
        model = apps.get_model(record["model"])
    except (LookupError, ValueError, TypeError) as error:
        raise SnapshotError(where.say(f"unknown model {record['model']!r}")) from error
    if model._meta.app_label not in SNAPSHOT_APPS or not hasattr(model, "natural_key"):
        raise SnapshotError(where.say(f"{record['model']} is not content; a snapshot holds only {sorted(SNAPSHOT_APPS)}"))
    if "pk" in record:
        raise SnapshotError(where.say("numeric ids are not allowed: a snapshot refers to records by natural key"))
    for name in record["fields"]:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist as error:
            hint = f": {OLD_NAMES_HINT}" if name == "program" and model in (Page, *BLOCK_TYPES) else ""
            raise SnapshotError(where.say(f"{record['model']} has no such field{hint}", field_name=name)) from error
    return model
