"""A record's revision (core.publishing.Revised) and its history: whether
a form or an action read the record as it is now, and if not, who changed
what since, field by field and word by word.

The history (django-simple-history) copies the revision into each entry, so
the entries after the revision a reader saw are the changes they have not
seen, and the last entry at or before it is the version they saw.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalChanges

from .publishing import PUBLICATION_FIELDS
from .text import RichTextField, Words, compare_words, words_of_html


def moment(when):
    """A time as staff read it: "2021-01-19 14:03"."""
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"


def author(entry):
    return str(entry.history_user) if entry.history_user_id else "a command"


def history_since(model, pk, revision):
    """The history entries of record ``pk`` after ``revision``, oldest first
    (its deletion too, which keeps the revision it had)."""
    return list(
        model.history.filter(Q(revision__gt=revision) | Q(history_type="-"), id=pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def version_at(model, pk, revision):
    """The version a reader of ``revision`` saw: the last history entry at it or
    before (a revision moved on by QuerySet.update() has no entry of its own)."""
    return (
        model.history.filter(id=pk, revision__lte=revision)
        .order_by("-revision", "-history_date", "-history_id")
        .first()
    )


def changed_by(entries):
    """"editor on 2021-01-19 at 14:03 and publisher on …"; "a command" when
    no history entry says who (a QuerySet.update(), a management command)."""
    authors = {}  # author -> their last change, in the order they first changed it
    for entry in entries:
        authors[author(entry)] = entry.history_date
    if not authors:
        return "a command"
    said = [f"{name} on {moment(when).replace(' ', ' at ')}" for name, when in authors.items()]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def tracked_fields(model, *, exclude=()):
    """The fields the history keeps, in the model's order, except the id and the revision."""
    m2m = {field.name for field in getattr(model.history.model, "_history_m2m_fields", [])}
    fields = [
        *(field for field in model._meta.concrete_fields if not field.primary_key and field.name != "revision"),
        *(field for field in model._meta.many_to_many if field.name in m2m),
    ]
    return [field for field in fields if field.name not in exclude]


def values(record, fields):
    """The values of ``fields`` in ``record``, a model instance or a history
    entry: a foreign key's id; a many-to-many field's set of ids."""
    found = {}
    for field in fields:
        if not field.many_to_many:
            found[field.name] = getattr(record, field.attname)
        elif isinstance(record, HistoricalChanges):
            column = f"{field.m2m_reverse_field_name()}_id"
            found[field.name] = frozenset(getattr(record, field.name).values_list(column, flat=True))
        else:
            found[field.name] = frozenset(getattr(record, field.name).values_list("pk", flat=True))
    return found


def shown(field, value):
    """A value as staff read it."""
    if field.many_to_many:
        names = sorted(str(item) for item in field.related_model._default_manager.filter(pk__in=value))
        gone = len(value) - len(names)
        return "; ".join(names + ([f"{gone} since deleted"] if gone else []))
    if value is None or value == "":
        return ""
    if isinstance(field, RichTextField):  # its words, as readers see them
        return words_of_html(value)
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"(deleted, #{value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return moment(value)
    return str(value)


@dataclass
class FieldChange:
    name: str
    label: str
    words: Words  # from the older value to the newer one
    old: object
    new: object
    in_form: bool = False  # for a form refused over it: the field is in the form
    yours: bool = False  # ... and the editor changed it too


def compare(older, newer, fields):
    """Each of ``fields`` that differs from ``older`` to ``newer`` (model
    instances or history entries), with its words."""
    old_values, new_values = values(older, fields), values(newer, fields)
    return [
        FieldChange(
            name=field.name,
            label=capfirst(field.verbose_name),
            words=compare_words(shown(field, old_values[field.name]), shown(field, new_values[field.name])),
            old=old_values[field.name],
            new=new_values[field.name],
        )
        for field in fields
        if old_values[field.name] != new_values[field.name]
    ]


class EditConflict(ValidationError):
    """A write based on a revision that is no longer the record's: someone
    changed it (or deleted it) after it was read."""

    def __init__(self, model, pk, read, current=None):
        self.model, self.pk, self.read, self.current = model, pk, read, current
        self.entries = history_since(model, pk, read) if read is not None else []
        super().__init__(self.reason(), code="stale_revision")

    @property
    def name(self):
        """The record's own name, as it is now (as it was, if deleted)."""
        if self.current is not None:
            return str(self.current)
        last = self.model.history.filter(id=self.pk).order_by("-history_date", "-history_id").first()
        return str(last.instance) if last else f"#{self.pk}"

    @property
    def deleted(self):
        return self.current is None

    @property
    def done(self):
        """"changed by editor on 2021-01-19 at 14:03 after you read it"."""
        return f"{'deleted' if self.deleted else 'changed'} by {changed_by(self.entries)} after you read it"

    def reason(self):
        """Why a write was refused, after its item's name."""
        if self.read is None:
            return "it is not known which version of it you read: reload it to see it as it is now, then try again."
        if self.deleted:
            return f"it was {self.done}."
        return f"it was {self.done}: reload it to see the change, then try again."

    def summary(self):
        """Why a form was refused, naming the record."""
        what = f"{self.model._meta.verbose_name} “{self.name}”"
        if self.read is None:
            return f"It is not known which version of the {what} this form was read at."
        return f"The {what} was {self.done}."

    def version_read(self):
        return version_at(self.model, self.pk, self.read) if self.read is not None else None

    def changes(self, fields=None):
        """What changed from the version read to the record as it is now."""
        seen = self.version_read()
        if seen is None or self.current is None:
            return []
        return compare(seen, self.current, fields if fields is not None else tracked_fields(self.model))


def revertable_fields(model):
    """What a revert restores: the content; never the publication (publish,
    unpublish and schedule change it) nor the fields a model names in
    ``not_reverted`` (a page's slug and snapshot date: which page it is)."""
    return tracked_fields(model, exclude=(*PUBLICATION_FIELDS, *getattr(model, "not_reverted", ())))


def locked(model, pk):
    """Record ``pk`` as it is now, its row locked until the transaction ends
    (on SQLite the transaction holds the write lock already); None if deleted."""
    # Unordered: the model's ordering may join other tables, whose rows would be locked too.
    return model._default_manager.select_for_update().filter(pk=pk).order_by().first()


def check_revision(record, read):
    """Refuse a write to ``record`` (as it is now, locked by the caller) based
    on revision ``read`` if it has moved on since."""
    if read != record.revision:
        raise EditConflict(type(record), record.pk, read, record)
