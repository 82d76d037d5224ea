"""Admin pieces shared by every content model: history, publishing, preview,
and the revision every form and action carries."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import model_ngettext, unquote
from django.contrib.admin.widgets import AdminURLFieldWidget, AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core import services
from core.admin_forms import RevisedForm, RevisedInlineForm, RevisedInlineFormSet, RevisionField
from core.publishing import PUBLICATION_FIELDS, PublicationState, Status, publish_permission
from core.revisions import (
    EditConflict,
    author,
    compare,
    moment,
    revertable_fields,
    shown,
    values,
)
from core.text import stored_link_problems, validate_address

PROVENANCE_FIELDSET = (
    "Provenance",
    {
        "fields": ("provenance", "provenance_note"),
        "description": "Where this content came from: verbatim from the archived page, "
        "reconstructed afterwards, or added later.",
    },
)
PUBLICATION_FIELDSET = (
    "Publication",
    {
        "fields": list(PUBLICATION_FIELDS),
        "description": "A published item is public from its publication time on (at once if empty). "
        "Only Publishers may change these.",
    },
)


def help_texts_as_written(model):
    """The model's help texts, escaped: Django's admin prints help text as HTML,
    and ours are plain text ("/activities/<slug>/" would lose "<slug>")."""
    fields = model._meta.get_fields()
    return {field.name: escape(field.help_text) for field in fields if getattr(field, "help_text", "")}


# The revision of each item a list or a confirmation page shows, beside its checkbox.
READ_REVISION = "_revision_{}"


def read_revisions(request):
    """The revisions a list or a confirmation page was read at, by item id."""
    prefix = READ_REVISION.format("")
    return {
        key.removeprefix(prefix): RevisionField().to_python(value)
        for key, value in request.POST.items()
        if key.startswith(prefix)
    }


def with_revisions(fieldsets, *, include):
    """``fieldsets`` with the form's hidden revision in the first one, if ``include``."""
    fieldsets = [(name, {**options, "fields": [f for f in options["fields"] if f != "revision"]})
                 for name, options in fieldsets]
    if include and fieldsets:
        (name, options), *rest = fieldsets
        fieldsets = [(name, {**options, "fields": [*options["fields"], "revision"]}), *rest]
    return fieldsets


# What keeps a record from being deleted besides foreign keys, by model label:
# functions of a record that give the lines its delete page lists as protecting
# it. The app that knows registers them (keep_from_deletion), so that the app
# owning the record need not import it.
DELETION_KEEPERS = {}


def keep_from_deletion(label, keeper):
    """``keeper(record)`` names what keeps a record of the model ``label`` ("partners.partner")."""
    DELETION_KEEPERS.setdefault(label, []).append(keeper)


class AddressWidget(AdminURLFieldWidget):
    """The admin's web address input, whose "Currently:" link is made only
    for an address the site would link itself (text.validate_address)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, validator_class=lambda: validate_address)


def _compared(field, value):
    """A field's value as the comparison of two versions prints it: a
    many-to-many field's (history rows of its links) as the names of what it
    links to, in order."""
    if field.many_to_many and isinstance(value, list):
        target = field.m2m_reverse_field_name()
        return ", ".join(sorted(str(row[target]) for row in value)) or None
    return value


class ContentAdmin(SimpleHistoryAdmin):
    """Facet counts, save buttons on top, help texts as written, and a history
    of every change that can be compared version by version and reverted.

    Every change form carries the revision it was read at (RevisedForm), and
    every action the revisions its list was read at: nothing is saved over
    a change its author has not seen."""

    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50
    save_on_top = True
    object_history_template = "admin/history_with_compare.html"
    form = RevisedForm
    actions = ["delete_selected"]
    delete_selected_confirmation_template = "admin/delete_selected_as_read.html"
    formfield_overrides = {models.URLField: {"widget": AddressWidget}}

    class Media:
        css = {"all": ["css/comparison.css"]}  # a refused save shows the other change word by word

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for keeper in DELETION_KEEPERS.get(obj._meta.label_lower, ()):
                protected.extend(keeper(obj))
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        # A record none of whose own fields changed (a page's form saved for
        # its rows) is not written: no new revision for other editors' forms
        # to trip over, no empty history entry.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            self.warn_of_unsafe_links(request, context, obj)
        # By keyword: django-content-editor's ContentEditor takes them so.
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def warn_of_unsafe_links(self, request, context, obj):
        """Links stored by a way in that skips the form's checks, that the
        site prints as their words only: the item's own and its rows'."""
        rows = [form.instance for inline in context.get("inline_admin_formsets", [])
                for form in inline.formset.forms if form.instance.pk is not None]
        for item in (obj, *rows):
            for field, problem in stored_link_problems(item):
                where = f"“{item}”, {field.verbose_name}" if item is not obj else field.verbose_name.capitalize()
                self.message_user(request, f"{where} holds a link that the site prints as its words only, "
                                           f"as plain text: {problem}", messages.WARNING)

    def get_fieldsets(self, request, obj=None):
        # A view-only form has no revision to carry (it would show as a field).
        return with_revisions(super().get_fieldsets(request, obj),
                              include=obj is not None and self.has_change_permission(request, obj))

    def action_checkbox(self, obj):
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">',
            super().action_checkbox(obj), READ_REVISION.format(obj.pk), obj.revision,
        )

    def items_as_read(self, request, queryset, *, verb, unread_too=False):
        """The selected items as the list showed them; each of the others is
        left as it is, and said so. ``unread_too``: also those the list did
        not show (all items were selected), for a confirmation page to show."""
        read = read_revisions(request)
        items = []
        for item in queryset:
            revision = read.get(str(item.pk))
            if revision == item.revision or (revision is None and unread_too):
                items.append(item)
            else:
                reason = EditConflict(type(item), item.pk, revision, item).reason()
                self.message_user(request, f"Did not {verb} “{item}”: {reason}", messages.ERROR)
        return items

    @admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request, queryset):
        """Django's own, on the items not changed since the list (then its
        confirmation page) was read."""
        # First from the list, then from the confirmation page, which shows them all.
        items = self.items_as_read(request, queryset, verb="delete", unread_too=not request.POST.get("post"))
        if not items:
            return None
        return django_delete_selected(self, request, queryset.filter(pk__in=[item.pk for item in items]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The form's help_texts serve its read-only fields too.
        kwargs["help_texts"] = {**help_texts_as_written(self.model), **kwargs.get("help_texts", {})}
        return super().get_form(request, obj, change, **kwargs)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="%s_%s_compare" % info,
            ),
            *super().get_urls(),
        ]

    def compare_view(self, request, object_id):
        """Two versions of an item side by side: each field that differs, old and new."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = list(obj.history.order_by("-history_date", "-history_id"))
        form = CompareForm(request.GET or None, versions=versions)
        changes = None
        if form.is_valid():
            older, newer = form.versions()
            delta = newer.diff_against(older, foreign_keys_are_objs=True)
            changes = [
                {"field": field.verbose_name, "old": _compared(field, change.old), "new": _compared(field, change.new)}
                for change in delta.changes
                for field in [self.opts.get_field(change.field)]
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions: {obj}",
            "opts": self.opts,
            "object": obj,
            "form": form,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/compare_versions.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version, read-only, and word by word what reverting to it
        changes; confirming (a POST) restores its content through
        services.revert. Publication is left as it is. Reverting needs the
        permission to change the item as it is now."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = obj.history.filter(history_id=version_id).first() if str(version_id).isdigit() else None
        if version is None:
            raise Http404(f"No such version of “{obj}”.")
        can_revert = self.has_change_permission(request, obj)
        error = conflict = None
        if request.method == "POST":
            if not can_revert:
                raise PermissionDenied
            read = RevisionField().to_python(request.POST.get("revision"))
            try:
                obj = services.revert(obj, version, user=request.user, revision=read)
            except EditConflict as refused:
                conflict = refused
            except ValidationError as refused:
                error = refused
            else:
                state = self.publication_now(obj)
                left = f" Its publication is left as it is: {state}." if state else ""
                self.message_user(request, f"Reverted “{obj}” to the version of {moment(version.history_date)}, "
                                           f"saved by {author(version)}.{left}", messages.SUCCESS)
                return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                                    args=[obj.pk]))
            obj = self.get_object(request, unquote(object_id))
        fields = revertable_fields(self.model)
        version_values = values(version, fields)
        context = {
            **self.admin_site.each_context(request),
            "title": (f"Revert “{obj}” to the version of {moment(version.history_date)}" if can_revert
                      else f"“{obj}”: the version of {moment(version.history_date)}"),
            "opts": self.opts,
            "object": obj,
            "version": version,
            "version_author": author(version),
            "version_when": moment(version.history_date),
            "version_fields": [(field.verbose_name, shown(field, version_values[field.name])) for field in fields],
            "changes": compare(obj, version, fields),
            "publication": self.publication_now(obj),
            "notes": self.revert_notes(request, obj),
            "can_revert": can_revert,
            "read_only_because": self.read_only_because(obj),
            "revision": obj.revision,
            "error": error,
            "conflict": conflict,
            "conflict_changes": conflict.changes() if conflict else [],
            "history_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/revert_version.html", context)

    def publication_now(self, obj):
        """The publication a revert leaves as it is, in words; None for what is never published."""
        return None

    def read_only_because(self, obj):
        """Why a version of ``obj`` may be seen but not reverted to, for one who may not change it."""
        return "you may view it, not change it"

    def revert_notes(self, request, obj):
        """More to say on a revert page (a page's sections and activities)."""
        return []


class CompareForm(forms.Form):
    older = forms.TypedChoiceField(label="From version", coerce=int)
    newer = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_id = {version.history_id: version for version in versions}
        choices = [
            (
                version.history_id,
                f"{timezone.localtime(version.history_date):%Y-%m-%d %H:%M:%S}, "
                f"{version.get_history_type_display().lower()} by {version.history_user or 'a command'}",
            )
            for version in versions
        ]
        self.fields["older"].choices = self.fields["newer"].choices = choices

    def versions(self):
        return self.by_id[self.cleaned_data["older"]], self.by_id[self.cleaned_data["newer"]]


class PublicationStateFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return PublicationState.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == PublicationState.DRAFT:
            return queryset.filter(status=Status.DRAFT)
        if self.value() == PublicationState.SCHEDULED:
            return queryset.filter(status=Status.PUBLISHED, publish_at__gt=now)
        if self.value() == PublicationState.PUBLISHED:
            # The item's own state, as the "publication" column shows it; whether
            # its section or page is public is theirs to say.
            return queryset.filter(status=Status.PUBLISHED).exclude(publish_at__gt=now)
        return queryset


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at",
        help_text="The items appear on the public site from this moment on.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_publish_at(self):
        publish_at = self.cleaned_data["publish_at"]
        if publish_at <= timezone.now():
            raise forms.ValidationError("Choose a time in the future; to publish now, use “Publish”.")
        return publish_at


class PublishingMixin:
    """Publishing is for those with the model's publish permission (the
    Publishers group): for anyone else the status fields are read-only and
    new items start as drafts."""

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(publish_permission(self.model))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields += [name for name in PUBLICATION_FIELDS if name not in fields]
        return fields


class ChosenFromList:
    """An autocomplete widget that names the items a row has chosen from a
    list read once for all the rows (``chosen_from``): Django's own asks the
    database for each row's."""

    chosen_from = ()

    def optgroups(self, name, value, attr=None):
        chosen = {str(item) for item in value if item not in (None, "")}
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for option_value, label in self.chosen_from:
            if str(option_value) in chosen:
                options.append(self.create_option(name, str(option_value), label, True, len(options)))
        return [(None, options, 0)]


class ListedAutocompleteSelect(ChosenFromList, AutocompleteSelect):
    pass


class ListedAutocompleteSelectMultiple(ChosenFromList, AutocompleteSelectMultiple):
    pass


class RevisedInline(admin.options.InlineModelAdmin):
    """Each row carries the revision of its record; the rows the editor
    changed or deletes are checked when saved (RevisedInlineForm).

    Each row's select lists and autocomplete fields take their choices from
    one query for the whole page, not one per row."""

    form = RevisedInlineForm
    formset = RevisedInlineFormSet

    def get_fieldsets(self, request, obj=None):
        return with_revisions(super().get_fieldsets(request, obj), include=self.has_change_permission(request, obj))

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["help_texts"] = {**help_texts_as_written(self.model), **kwargs.get("help_texts", {})}
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = ListedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return _with_fixed_choices(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = ListedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return _with_fixed_choices(super().formfield_for_manytomany(db_field, request, **kwargs))


class PublishableInline(PublishingMixin, RevisedInline):
    """Base for the inlines of publishable items (use with Tabular/StackedInline)."""


def _with_fixed_choices(formfield):
    if formfield is None or not hasattr(formfield, "queryset"):
        return formfield
    if isinstance(formfield.widget, ChosenFromList):
        formfield.widget.chosen_from = list(iter(formfield.choices))  # iter: no COUNT query first
    else:
        formfield.choices = list(iter(formfield.choices))
    return formfield


def not_public_note(item, done):
    """For a published or scheduled ``item`` whose page or section is not
    public: "Published “…”, but it is not on the public site: its page “…” is a
    draft.", linking what holds it back; None when nothing does."""
    if item.status != Status.PUBLISHED:
        return None
    reasons = [
        format_html(
            'its {} <a href="{}">“{}”</a> is {}', role,
            reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk]), record,
            f"scheduled for {timezone.localtime(record.publish_at):%Y-%m-%d %H:%M}" if record.is_scheduled
            else "a draft",
        )
        for role, record in getattr(item, "shown_within", ())
        if record is not None and not record.is_published
    ]
    if not reasons:
        return None
    return format_html("{} “{}”, but it is not on the public site: {}.", done, item,
                       format_html_join(" and ", "{}", ((reason,) for reason in reasons)))


class PublishableAdmin(PublishingMixin, ContentAdmin):
    actions = [*ContentAdmin.actions, "publish_selected", "schedule_selected", "unpublish_selected"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"status", "publish_at"} & set(form.changed_data):  # a Publisher published or scheduled it
            self.message_not_public(request, obj, obj.publication_state)

    def message_not_public(self, request, item, done):
        note = not_public_note(item, done)
        if note:
            self.message_user(request, note, messages.WARNING)

    def get_list_display(self, request):
        return [*super().get_list_display(request), "publication", "preview_link"]

    def get_list_filter(self, request):
        return [PublicationStateFilter, *super().get_list_filter(request)]

    @admin.display(description="publication", ordering="status")
    def publication(self, item):
        if item.is_scheduled:
            return f"Scheduled for {timezone.localtime(item.publish_at):%Y-%m-%d %H:%M}"
        return item.publication_state

    def publication_now(self, obj):
        return self.publication(obj).lower()

    def view_on_site(self, item):
        """Where the item is shown (with drafts, to staff): the change form's
        "View on site" and the list's "Preview" both go there."""
        return item.get_absolute_url()

    @admin.display(description="preview")
    def preview_link(self, item):
        return format_html('<a href="{}">Preview</a>', self.view_on_site(item))

    @admin.action(description="Publish the selected %(verbose_name_plural)s now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        return self._confirm(request, queryset, action="publish_selected", verb="Publish", done="Published",
                             change=services.publish)

    @admin.action(description="Schedule the selected %(verbose_name_plural)s", permissions=["publish"])
    def schedule_selected(self, request, queryset):
        return self._confirm(request, queryset, action="schedule_selected", verb="Schedule", done="Scheduled",
                             change=services.publish, form_class=ScheduleForm)

    @admin.action(description="Unpublish the selected %(verbose_name_plural)s", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        return self._confirm(request, queryset, action="unpublish_selected", verb="Unpublish", done="Unpublished",
                             change=services.unpublish)

    def _confirm(self, request, queryset, *, action, verb, done, change, form_class=None):
        """A confirmation page first; then each item on its own, and a report.
        The confirmation page carries the revisions the list was read at (or,
        for an item the list did not show, the one it shows): an item changed
        since is left as it is, and the report says by whom."""
        confirmed = request.POST.get("confirmed") == "yes"
        form = form_class(request.POST if confirmed else None) if form_class else None
        read = read_revisions(request)
        items = list(queryset)
        if confirmed and (form is None or form.is_valid()):
            options = form.cleaned_data if form else {}

            def change_as_read(item, **options):
                if read.get(str(item.pk)) is None:
                    raise EditConflict(type(item), item.pk, None, item)
                return change(item, revision=read[str(item.pk)], **options)

            report = services.for_each(items, change_as_read, user=request.user, **options)
            if report.done:
                listed = ", ".join(str(item) for item in report.done)
                names = model_ngettext(self.opts, len(report.done))
                self.message_user(request, f"{done} {len(report.done)} {names}: {listed}.", messages.SUCCESS)
            for item in report.done:
                self.message_not_public(request, item, done)
            for item, reason in report.failed:
                self.message_user(request, f"Could not {verb.lower()} “{item}”: {reason}", messages.ERROR)
            return None
        rows = []
        for item in items:
            revision = read.get(str(item.pk), item.revision)
            stale = EditConflict(type(item), item.pk, revision, item).reason() if revision != item.revision else ""
            rows.append({"item": item, "revision": revision, "stale": stale, "name": READ_REVISION.format(item.pk)})
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} {len(items)} {model_ngettext(self.opts, len(items))}?",
            "opts": self.opts,
            "queryset": queryset,
            "rows": rows,
            "action": action,
            "verb": verb,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/confirm_publication.html", context)
