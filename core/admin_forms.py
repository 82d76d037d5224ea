"""Admin forms that carry the revision of the record they were read at.

A save based on an older revision is refused in the form's validation,
inside the admin's transaction, with the row locked: nothing is saved, the
editor's input stays in the form, and the error says who changed what since,
word by word. The fields the editor had not changed then take the new values,
and the form the revision the editor has now seen: saving again goes through
and overwrites only what the editor chose to.
"""

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.utils.functional import cached_property

from .revisions import EditConflict, locked, tracked_fields, values, version_at

# Carried, after a refusal, by the row of a record deleted since it was read:
# the editor has been told, and the row is left out of the next save.
SEEN_DELETED = "deleted"


class RevisionField(forms.Field):
    """The revision a form was read at, in a hidden input. It is no change
    in itself: a form that differs only in it has not changed."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        if value == SEEN_DELETED:
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            return None  # missing (a form older than the check) or mangled: not known

    def has_changed(self, initial, data):
        return False


class RevisedForm(forms.ModelForm):
    """The change form of a record: checked when it would change the record
    as it is now (a form that holds its current values overwrites nothing)."""

    revision = RevisionField()

    class Meta:
        # The record's revision is never edited: the form's own field is the revision read.
        exclude = ["revision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["revision"] = self.instance.revision

    @cached_property
    def revision_read(self):
        if not self.is_bound:
            return self.initial.get("revision")
        return self.fields["revision"].to_python(self["revision"].data)

    def checks_revision(self):
        return self.instance.pk is not None and self.has_changed()

    def clean(self):
        cleaned_data = super().clean()
        if self.checks_revision():
            self.check_revision()
        return cleaned_data

    def check_revision(self):
        """Refuse the save if the record moved on since the form was read."""
        model = type(self.instance)
        current = locked(model, self.instance.pk)
        if current is not None and self.revision_read == current.revision:
            return
        conflict = EditConflict(model, self.instance.pk, self.revision_read, current)
        changes = conflict.changes()
        if current is not None:
            self.take_their_changes(changes, current)
        raise ValidationError(render_to_string("admin/includes/edit_conflict.html", {
            "conflict": conflict, "changes": changes, "inline": isinstance(self, RevisedInlineForm),
        }))

    def take_their_changes(self, changes, current):
        """Show the form again with the other change in each field the editor
        had not changed, and with the revision the editor has now seen."""
        data = self.data.copy()
        for change in changes:
            field = self.fields.get(change.name)
            change.in_form = field is not None and not field.disabled
            if not change.in_form:
                continue
            change.yours = field.has_changed(_form_value(field, change.old), self[change.name].data)
            if not change.yours:
                _post(data, field.widget, self.add_prefix(change.name), _form_value(field, change.new))
        data[self.add_prefix("revision")] = str(current.revision)
        self.data = data


class RevisedInlineForm(RevisedForm):
    """A row of an inline: checked only when it would be saved, that is when
    the editor changed it."""

    gone = False  # its record was deleted after the page was read (RevisedInlineFormSet)
    gone_pk = None

    @cached_property
    def version_read(self):
        """The version of the record the form's values came from, when the
        record has moved on since (None when it has not, or no history says)."""
        read = self.revision_read
        if self.instance.pk is None or not isinstance(read, int) or read == self.instance.revision:
            return None
        return version_at(type(self.instance), self.instance.pk, read)

    def changed_since(self, version):
        """The form's fields that differ from ``version`` (a history entry)."""
        fields = [field for field in tracked_fields(type(self.instance)) if field.name in self.fields]
        read = values(version, fields)
        return [
            field.name for field in fields
            if self.fields[field.name].has_changed(_form_value(self.fields[field.name], read[field.name]),
                                                   self[field.name].data)
        ]

    def has_changed(self):
        # Changed from the version the editor read. Django compares with the
        # record as it is now, and would save a row that someone else changed
        # since, putting back what the editor happened to read.
        if self.gone:
            return self.gone_pk is not None and self.revision_read != SEEN_DELETED
        if self.version_read is not None:
            return self.deleting() or bool(self.changed_since(self.version_read))
        return super().has_changed()

    def deleting(self):
        return DELETION_FIELD_NAME in self.fields and bool(self[DELETION_FIELD_NAME].data)

    def checks_revision(self):
        # A row being deleted is checked by the formset: Django ignores the errors of such rows.
        return self.instance.pk is not None and not self.deleting() and self.has_changed()

    def clean(self):
        if self.gone:
            return self.refuse_gone()
        return super().clean()

    def refuse_gone(self):
        cleaned_data = self.cleaned_data
        if self.revision_read == SEEN_DELETED or cleaned_data.get(DELETION_FIELD_NAME):
            return cleaned_data
        model = type(self.instance)
        conflict = EditConflict(model, self.gone_pk, self.revision_read, None)
        data = self.data.copy()
        data[self.add_prefix("revision")] = SEEN_DELETED
        self.data = data
        raise ValidationError(render_to_string("admin/includes/edit_conflict.html", {
            "conflict": conflict, "changes": [], "inline": True,
        }))


class RevisedInlineFormSet(BaseInlineFormSet):
    """Rows checked as RevisedInlineForm says; a row deleted by someone else
    since the page was read is said so in words; a row being deleted is
    checked too."""

    shown_again = False

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if not form.is_bound or index is None or index >= self.initial_form_count():
            return
        if form.instance.pk is None:
            # Its id names no record any more; Django would say "Select a valid choice".
            pk_name = self.model._meta.pk.name
            field = forms.IntegerField(required=False, widget=forms.HiddenInput)
            form.fields[pk_name] = field
            form.gone, form.gone_pk = True, field.to_python(form[pk_name].data)
            if form.gone_pk is None or form.revision_read == SEEN_DELETED:
                form.empty_permitted = True  # not in the form any more, or told already: left out
        elif form.version_read is not None:
            # Someone changed the row since the page was read: if the editor did
            # not, it is left out, unchecked, as it is now.
            form.empty_permitted = True

    def clean(self):
        super().clean()
        self.shown_again = True
        errors = []
        for form in self.initial_forms:
            deleting = self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME)
            if deleting and form.instance.pk is not None:
                try:
                    form.check_revision()
                except ValidationError as error:
                    errors.append(error)
        if errors:
            raise ValidationError(errors)

    def get_queryset(self):
        if self.is_bound and self.shown_again:
            # The admin shows each row of a form it shows again with its record
            # from this list: the records the rows were read from, not the
            # rows that hold their places now (someone may have added or deleted
            # one since); None for a record deleted since.
            return [form.instance if form.instance.pk is not None else None for form in self.initial_forms]
        return super().get_queryset()


def _form_value(field, value):
    """A model value (an id, a set of ids, ...) as ``field`` takes it."""
    if isinstance(value, frozenset):
        value = sorted(value)
    return field.prepare_value(value)


def _post(data, widget, name, value):
    """Put ``value`` into ``data`` as a browser posts it from ``widget``."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
        for suffix, part_widget, part in zip(widget.widgets_names, widget.widgets, parts):
            _post(data, part_widget, name + suffix, part)
    elif isinstance(widget, forms.widgets.ChoiceWidget):
        chosen = widget.format_value(value)
        if widget.allow_multiple_selected:
            data.setlist(name, chosen)
        else:
            data[name] = chosen[0] if chosen else ""
    elif isinstance(widget, forms.CheckboxInput):
        data[name] = "true" if value else "false"
    else:
        formatted = widget.format_value(value)
        data[name] = "" if formatted is None else str(formatted)
