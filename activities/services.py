"""Writes shared by the admin and the management commands."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.serializers.base import (
    DeserializationError,
    M2MDeserializationError,
    deserialize_fk_value,
    deserialize_m2m_values,
)
from django.db import DatabaseError, transaction
from django.utils import timezone

from coop_site.publishing import Status, publish_permission
from coop_site.text import partner_slugs
from partners.models import Partner

from . import selectors
from .models import Program

# A snapshot holds content only: no users, permissions or content types.
SNAPSHOT_APPS = {"activities", "partners"}


def publish(item, *, user, publish_at=None):
    """Publish ``item`` now, or schedule it to appear at ``publish_at``."""
    if publish_at is not None and publish_at <= timezone.now():
        raise ValidationError("A scheduled publication time must be in the future.")
    message = f"Scheduled for {timezone.localtime(publish_at):%Y-%m-%d %H:%M %Z}." if publish_at else "Published."
    return _set_publication(item, user=user, status=Status.PUBLISHED, publish_at=publish_at, message=message)


def unpublish(item, *, user):
    """Take ``item`` off the public site (back to draft)."""
    return _set_publication(item, user=user, status=Status.DRAFT, publish_at=None, message="Unpublished.")


def _set_publication(item, *, user, status, publish_at, message):
    model = type(item)
    if not user.has_perm(publish_permission(model)):
        raise PermissionDenied(f"You may not publish, unpublish or schedule {model._meta.verbose_name_plural}.")
    if model is not Program and getattr(item, "program", None) and item.program.archived_on:
        raise ValidationError("It is part of a snapshot, which is read-only: publish or unpublish the whole snapshot.")
    with transaction.atomic():
        item = model._default_manager.select_for_update().get(pk=item.pk)
        item.status, item.publish_at = status, publish_at
        item.full_clean()
        item._history_user, item._change_reason = user, message
        item.save(update_fields=["status", "publish_at"])
        LogEntry.objects.log_actions(user.pk, [item], CHANGE, change_message=message)
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


class SnapshotError(Exception):
    """A snapshot that cannot be loaded or made; nothing of it was kept."""


def freeze_snapshot(program, *, archived_on, user=None):
    """Freeze the live version of a page, as the public sees it now, into a
    new published snapshot dated ``archived_on``. Only Publishers may."""
    if user is not None and not (user.has_perm("activities.add_program") and user.has_perm(publish_permission(Program))):
        raise PermissionDenied("Only Publishers may make a snapshot.")
    if program.archived_on is not None:
        raise SnapshotError(f"{program} is already a snapshot: a snapshot is made from the live version.")
    if not Program.objects.published().filter(pk=program.pk).exists():
        raise SnapshotError(f"{program} is not public: there is nothing public to freeze.")
    if Program.objects.filter(slug=program.slug, archived_on=archived_on).exists():
        raise SnapshotError(f"{program.title} already has a snapshot dated {archived_on:%Y-%m-%d}.")
    return _copy_version(
        program, archived_on=archived_on, status=Status.PUBLISHED, public_only=True, user=user,
        reason=f"Snapshot of the live version, dated {archived_on:%Y-%m-%d}.",
    )


def start_live_version(snapshot, *, user=None):
    """A live draft copy of a snapshot, for editors to work on; the page's
    address goes on showing the snapshot until the copy is published."""
    if user is not None and not user.has_perm("activities.add_program"):
        raise PermissionDenied("You may not add pages.")
    if Program.objects.filter(slug=snapshot.slug, archived_on__isnull=True).exists():
        raise SnapshotError(f"{snapshot.title} already has a live version: edit that one.")
    return _copy_version(
        snapshot, archived_on=None, status=Status.DRAFT, public_only=False, user=user,
        reason=f"Live version started from the snapshot of {snapshot.archived_on:%Y-%m-%d}.",
    )


def _copy_version(program, *, archived_on, status, public_only, user, reason):
    """A copy of a version of a page, its sections and its activities, in one transaction."""
    from .models import Activity, Section

    sections = Section.objects.filter(program=program)
    activities = Activity.objects.filter(program=program)
    if public_only:
        sections, activities = sections.published(), activities.published()
    sections = list(sections.order_by("parent_id", "order", "pk"))
    sections.sort(key=lambda section: section.parent_id is not None)  # parents first
    activities = list(activities.order_by("printed_in_id", "pk").prefetch_related("themes", "partners"))
    activities.sort(key=lambda activity: activity.printed_in_id is not None)  # printed ones first
    agreements = list(program.agreements.all())

    with transaction.atomic():
        copy = _copied(program, user=user, reason=reason, archived_on=archived_on, status=status, publish_at=None)
        copy.agreements.set(agreements)
        section_ids = {}
        for section in sections:
            if section.parent_id is not None and section.parent_id not in section_ids:
                continue  # its parent is not public: neither is it
            section_ids[section.pk] = _copied(
                section, user=user, reason=reason, program=copy, parent_id=section_ids.get(section.parent_id)
            ).pk
        activity_ids = {}
        for activity in activities:
            if activity.section_id not in section_ids:
                continue
            new = _copied(
                activity, user=user, reason=reason, program=copy, section_id=section_ids[activity.section_id],
                printed_in_id=activity_ids.get(activity.printed_in_id),
            )
            new.themes.set(activity.themes.all())
            new.partners.set(activity.partners.all())
            activity_ids[activity.pk] = new.pk
        if user is not None:
            LogEntry.objects.log_actions(user.pk, [copy], ADDITION, change_message=reason)
    return copy


def _copied(item, *, user, reason, **changes):
    """A saved copy of ``item`` with ``changes``; its history names the copy."""
    copy = type(item).objects.get(pk=item.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.full_clean()
    copy._history_user, copy._change_reason = user, reason
    copy.save()
    return copy


@dataclass
class SnapshotReport:
    path: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    overwrites: list = field(default_factory=list)  # (where, date): records that differ from a dated snapshot

    @property
    def total(self):
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.unchanged.values())

    def lines(self):
        yield f"Loaded {self.total} records from {self.path}:"
        for label in sorted(set(self.created) | set(self.updated) | set(self.unchanged)):
            yield (
                f"  {label}: {self.created[label]} created, {self.updated[label]} updated, "
                f"{self.unchanged[label]} unchanged"
            )


def find_program(name, *, archived_on):
    """The version of a page dated ``archived_on`` (None: the live one), named
    by its slug ("epa-collaboration-peru"), the slug's last word ("peru") or
    its country ("Peru")."""
    versions = list(Program.objects.filter(archived_on=archived_on))
    slugs = selectors.page_slugs_named(name, versions)
    if len(slugs) > 1:
        raise SnapshotError(f"“{name}” names several pages dated {archived_on or 'live'}: give the full slug.")
    if slugs:
        return next(program for program in versions if program.slug == slugs[0])
    known = ", ".join(str(program) for program in Program.objects.order_by("slug", "archived_on")) or "none"
    raise SnapshotError(f"No page “{name}” dated {archived_on or 'live'}. The pages are: {known}.")


def export_snapshot(program):
    """Exactly one version of a page as a natural-key fixture (a list of
    records): the things it refers to first, then the page, its sections
    (parents first) and its activities. load_snapshot reads it back."""
    sections = list(program.sections.order_by("parent_id", "order", "pk"))  # top level (no parent) first
    sections.sort(key=lambda section: section.parent_id is not None)
    activities = list(program.activities.order_by("section__order", "order", "pk").prefetch_related("themes", "partners"))
    themes = {theme for activity in activities for theme in activity.themes.all()}
    partners = {partner for activity in activities for partner in activity.partners.all()}
    partners |= set(Partner.objects.filter(slug__in=partner_slugs(
        program.intro, *(section.intro for section in sections), *(activity.text for activity in activities)
    )))
    objects = [
        *sorted(themes, key=lambda theme: theme.slug),
        *sorted(partners, key=lambda partner: partner.slug),
        *program.agreements.order_by("slug"),
        *([program.contact] if program.contact else []),
        program,
        *sections,
        *activities,
    ]
    return json.loads(
        serializers.serialize("json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True)
    )


def load_snapshot(path, *, user=None, replace=False):
    """Load a natural-key fixture in one transaction: all of it, or nothing.
    Each record created or changed gets a history entry naming the file.
    A fixture that differs from a dated snapshot already here is refused
    unless ``replace``: an archive is not changed by accident."""
    records = _read_records(path)
    report = SnapshotReport(path=str(path))
    with transaction.atomic():
        loaded = []
        for index, record in enumerate(records, start=1):
            where = _Where(path, index, record)
            model = _check_record(where, record)
            try:
                (deserialized,) = serializers.deserialize("python", [record], handle_forward_references=True)
            except (DeserializationError, ObjectDoesNotExist, ValueError) as error:
                raise SnapshotError(where.say(str(error))) from error
            _save(where, model, deserialized, report, user=user, reason=f"Loaded from {Path(path).name}", replace=replace)
            loaded.append((where, deserialized))
        for where, deserialized in loaded:
            for model_field, value in deserialized.deferred_fields.items():
                _resolve(where, model_field, value, handle_forward_references=False)
            if deserialized.deferred_fields:
                deserialized.save_deferred_fields()
        for where, deserialized in loaded:
            try:
                deserialized.object.full_clean()
            except ValidationError as error:
                name, messages = next(iter(error.message_dict.items()))
                raise SnapshotError(where.say(" ".join(messages), field_name=name)) from error
        if report.overwrites:  # checked last, so that a broken file names its real fault
            where, archived_on = report.overwrites[0]
            raise SnapshotError(where.say(
                f"differs from the snapshot of {archived_on:%Y-%m-%d} already in the database "
                f"({len(report.overwrites)} records would change); load with --replace to overwrite that snapshot"
            ))
    return report


class _Where:
    """Names a record of a fixture in error messages."""

    def __init__(self, path, index, record):
        self.path, self.index = path, index
        fields = record.get("fields") if isinstance(record, dict) else None
        fields = fields if isinstance(fields, dict) else {}
        key = fields.get("slug") or fields.get("anchor") or ""
        self.label = f"{record.get('model', '?') if isinstance(record, dict) else '?'}{f' {key!r}' if key else ''}"

    def say(self, problem, field_name=None):
        field_part = f", field '{field_name}'" if field_name and field_name != "__all__" else ""
        return f"{self.path}: record {self.index} ({self.label}){field_part}: {problem}"


def _read_records(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SnapshotError(f"{path}: cannot be read: {error}") from error
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from error
    if not isinstance(records, list):
        raise SnapshotError(f"{path}: a snapshot is a JSON list of records")
    return records


def _check_record(where, record):
    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict) or "model" not in record:
        raise SnapshotError(where.say('a record is an object with "model" and "fields"'))
    try:
        model = apps.get_model(record["model"])
    except (LookupError, ValueError, TypeError) as error:
        raise SnapshotError(where.say(f"unknown model {record['model']!r}")) from error
    if model._meta.app_label not in SNAPSHOT_APPS or not hasattr(model, "natural_key"):
        raise SnapshotError(where.say(f"{record['model']} is not content; a snapshot holds only {sorted(SNAPSHOT_APPS)}"))
    if "pk" in record:
        raise SnapshotError(where.say("numeric ids are not allowed: a snapshot refers to records by natural key"))
    for name, value in record["fields"].items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist as error:
            raise SnapshotError(where.say(f"{record['model']} has no such field", field_name=name)) from error
        if model_field.is_relation:
            # A required reference must point backwards (or into the database);
            # an optional one may point at a record further down the file.
            _resolve(where, model_field, value, handle_forward_references=model_field.null or model_field.many_to_many)
        else:
            try:
                model_field.to_python(value)
            except ValidationError as error:
                raise SnapshotError(where.say(" ".join(error.messages), field_name=name)) from error
    return model


def _resolve(where, model_field, value, *, handle_forward_references):
    """Check that a reference points at a record; a forward one may wait."""
    try:
        if model_field.many_to_many:
            if not isinstance(value, list):
                raise ValueError("expected a list of natural keys")
            deserialize_m2m_values(model_field, value, None, handle_forward_references)
        else:
            deserialize_fk_value(model_field, value, None, handle_forward_references)
    except (ObjectDoesNotExist, M2MDeserializationError, ValueError, TypeError, ValidationError) as error:
        target = model_field.related_model._meta.label_lower
        key = json.dumps(value, ensure_ascii=False)
        raise SnapshotError(where.say(f"refers to no {target} with natural key {key}", model_field.name)) from error


def _save(where, model, deserialized, report, *, user, reason, replace):
    instance, label = deserialized.object, model._meta.label_lower
    if instance.pk is None:
        kind = report.created
    else:
        instance._state.adding = False  # found by its natural key: validate it as an update
        if _unchanged(model, deserialized):
            report.unchanged[label] += 1
            return
        archived_on = _snapshot_date(instance)
        if archived_on and not replace:
            report.overwrites.append((where, archived_on))
        kind = report.updated
    try:
        with transaction.atomic():
            # A plain save (not loaddata's raw one), so that the history records it.
            instance._history_user, instance._change_reason = user, reason
            instance.save()
            for name, pks in (deserialized.m2m_data or {}).items():
                getattr(instance, name).set(pks)
    except (DatabaseError, ValueError) as error:
        raise SnapshotError(where.say(f"cannot be saved: {error}")) from error
    kind[label] += 1


def _snapshot_date(instance):
    """The date of the dated snapshot a page, section or activity belongs to (None if live or not a part)."""
    if isinstance(instance, Program):
        return Program.objects.filter(pk=instance.pk).values_list("archived_on", flat=True).first()
    if hasattr(instance, "program_id") and instance.program_id:
        return Program.objects.filter(pk=instance.program_id).values_list("archived_on", flat=True).first()
    return None


def _unchanged(model, deserialized):
    instance = deserialized.object
    current = model._default_manager.filter(pk=instance.pk).first()
    if current is None:
        return False
    for model_field in model._meta.concrete_fields:
        if model_field.value_from_object(current) != model_field.value_from_object(instance):
            return False
    for name, pks in (deserialized.m2m_data or {}).items():
        current_pks = set(getattr(current, name).values_list("pk", flat=True))
        if current_pks != set(pks):
            return False
    return not deserialized.deferred_fields
