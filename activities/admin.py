from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from coop_site.admin_mixins import (
    PROVENANCE_FIELDSET,
    PUBLICATION_FIELDSET,
    ContentAdmin,
    PublishableAdmin,
    PublishableInline,
)
from coop_site.publishing import publish_permission

from . import selectors, services, snapshot_rules
from .forms import VersionCompareForm, version_name, version_order
from .models import Activity, Program, Section, Theme


def editable_copy_note(snapshot):
    """How to change what a snapshot shows: its page's live version, or a live draft started from it."""
    live = Program.objects.filter(slug=snapshot.slug, archived_on__isnull=True).first()
    if live:
        return format_html('To change it, edit the page’s live version: <a href="{}">“{}”</a>.',
                           reverse("admin:activities_program_change", args=[live.pk]), live)
    return format_html(
        'To change it, <a href="{}">start a live draft</a> of the page from this snapshot: an editable copy, '
        "which the public sees once it is published.",
        reverse("admin:activities_program_start_live_draft", args=[snapshot.pk]),
    )


class SnapshotReadOnly:
    """A dated snapshot is an archive: shown in the admin, never edited there.
    Its parts are read-only and cannot be added or deleted; a whole snapshot
    may be deleted by Publishers only (ProgramAdmin). A part's form says how
    to make an editable copy."""

    def in_snapshot(self, obj):
        program = obj if isinstance(obj, Program) else getattr(obj, "program", None)
        return program is not None and program.archived_on is not None

    @admin.display(description="snapshot")
    def snapshot_note(self, obj):
        return format_html("Part of a snapshot: it is shown, not edited. {}", editable_copy_note(obj.program))

    def is_snapshot_part(self, obj):
        # A page's own form says it under "all versions"; an inline's obj is its page.
        return obj is not None and not isinstance(obj, Program) and self.in_snapshot(obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.is_snapshot_part(obj):
            return fieldsets
        (name, options), *others = fieldsets
        return [(name, {**options, "fields": ["snapshot_note", *options["fields"]]}), *others]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "snapshot_note"] if self.is_snapshot_part(obj) else fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and self.in_snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not self.in_snapshot(obj):
            return allowed
        # A whole snapshot may go, by Publishers only; its parts go with it, never alone.
        return allowed and isinstance(obj, Program) and request.user.has_perm(publish_permission(Program))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New content goes into live versions only.
        if db_field.name == "program" and "queryset" not in kwargs:
            kwargs["queryset"] = Program.objects.filter(archived_on__isnull=True)
        if db_field.name == "section" and "queryset" not in kwargs:
            kwargs["queryset"] = Section.objects.filter(program__archived_on__isnull=True).select_related("program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SnapshotInline(SnapshotReadOnly):
    """An inline's obj is the page (or section) it is shown on."""

    def is_snapshot_part(self, obj):
        return False  # the form it is shown on says it once

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and self.in_snapshot(obj))


class SectionInline(SnapshotInline, PublishableInline, admin.TabularInline):
    model = Section
    fields = ["order", "title", "anchor", "parent", "list_style", "top_of_page", "status", "provenance"]
    prepopulated_fields = {"anchor": ["title"]}
    extra = 0
    show_change_link = True
    ordering = ["order", "pk"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A parent must be a top-level section of the same page.
        if db_field.name == "parent":
            program_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(program_id=program_id, parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ActivityInline(SnapshotInline, PublishableInline, admin.StackedInline):
    model = Activity
    fields = [("order", "status"), ("date", "slug"), "text", ("themes", "partners")]
    extra = 0
    show_change_link = True
    ordering = ["order", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes", "partners")


class ProgramActivityInline(ActivityInline):
    """The page's activities, each with the section it is printed in."""

    fields = [("order", "section", "status"), ("date", "slug"), "text", ("themes", "partners")]
    ordering = ["section__order", "order", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            program_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(program_id=program_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def page_version(program):
    """Short, for lists: "Peru (2021-01-19)", "Peru (live)"."""
    return f"{program.country} ({version_name(program)})"


@admin.register(Program)
class ProgramAdmin(SnapshotReadOnly, PublishableAdmin):
    list_display = ["title", "version", "section_count", "activity_count"]
    list_filter = ["provenance", "country", "archived_on"]
    search_fields = ["title", "country", "slug", "intro"]
    ordering = ["country", "-archived_on"]
    autocomplete_fields = ["agreements"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SectionInline, ProgramActivityInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "country", "archived_on", "versions"]}),
        ("Page text", {"fields": ["intro", "explore_label", "contact_lead", "contact", "agreements", "last_updated",
                                  "meta_description"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            section_total=Count("sections", distinct=True), activity_total=Count("activities", distinct=True)
        )

    def get_readonly_fields(self, request, obj=None):
        # A version's date is what it is; dated versions come only from snapshot_selected
        # (freeze_snapshot) or load_snapshot, whole.
        return [*super().get_readonly_fields(request, obj), "versions", "archived_on"]

    def delete_model(self, request, obj):
        if obj.archived_on:
            services.delete_snapshot(obj, user=request.user)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for snapshot in queryset.filter(archived_on__isnull=False):
            services.delete_snapshot(snapshot, user=request.user)
        super().delete_queryset(request, queryset.filter(archived_on__isnull=True))

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if self.has_publish_permission(request) and all(program.archived_on for program in objs):
            # The parts of a snapshot are read-only on their own, but go with it.
            perms_needed -= {Section._meta.verbose_name, Activity._meta.verbose_name}
        return deleted, counts, perms_needed, protected

    @admin.display(description="version", ordering="archived_on")
    def version(self, program):
        return f"Snapshot of {program.archived_on:%Y-%m-%d}" if program.archived_on else "Live"

    @admin.display(description="all versions")
    def versions(self, program):
        if program.pk is None:
            return "—"
        links = format_html(
            '<a href="{}">Compare this version with another</a>',
            reverse("admin:activities_program_compare_versions", args=[program.pk]),
        )
        if program.archived_on:
            return format_html("A snapshot: it is shown, not edited. {} {}", editable_copy_note(program), links)
        return links

    actions = [*PublishableAdmin.actions, "snapshot_selected", "start_live_version"]

    def revert_notes(self, request, program):
        return [format_html(
            "This reverts the page's own fields. Its sections and activities are reverted on their own history "
            'pages: see <a href="{}">its sections</a> and <a href="{}">its activities</a>.',
            reverse("admin:activities_section_changelist") + f"?program__id__exact={program.pk}",
            reverse("admin:activities_activity_changelist") + f"?program__id__exact={program.pk}",
        )]

    @admin.action(description="Freeze the selected live pages as snapshots dated today", permissions=["publish"])
    def snapshot_selected(self, request, queryset):
        today = timezone.localdate()
        for program in self.items_as_read(request, queryset, verb="freeze"):
            try:
                snapshot = services.freeze_snapshot(program, archived_on=today, user=request.user)
            except (services.SnapshotError, PermissionDenied) as error:
                self.message_user(request, f"Could not freeze “{program}”: {error}", messages.ERROR)
            else:
                self.message_user(request, f"Froze “{snapshot}”.", messages.SUCCESS)

    @admin.action(description="Start a live draft from the selected snapshot", permissions=["add"])
    def start_live_version(self, request, queryset):
        programs = list(queryset[:2])
        if len(programs) != 1 or programs[0].archived_on is None:
            self.message_user(request, "Choose one snapshot to start the live version from.", messages.ERROR)
            return None
        if not self.items_as_read(request, programs, verb="start a live version of"):
            return None
        return self.start_live_draft(request, programs[0])

    def start_live_draft(self, request, snapshot):
        """A live draft of ``snapshot``'s page and a redirect to its form; None, with the reason said, if refused."""
        try:
            live = services.start_live_version(snapshot, user=request.user)
        except (services.SnapshotError, PermissionDenied) as error:
            self.message_user(request, f"Could not start a live version of “{snapshot}”: {error}", messages.ERROR)
            return None
        self.message_user(request, f"Started “{live}” as a draft: edit it, then publish it.", messages.SUCCESS)
        return redirect("admin:activities_program_change", live.pk)

    def start_live_draft_view(self, request, object_id):
        """A snapshot's own "Start a live draft": a confirmation page, then the draft's form."""
        snapshot = self.get_object(request, object_id)
        if snapshot is None or not self.has_view_permission(request, snapshot):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        live = Program.objects.filter(slug=snapshot.slug, archived_on__isnull=True).first()
        if live:
            already = "is the live version" if live == snapshot else f"already has a live version, “{live}”"
            self.message_user(request, f"“{snapshot.title}” {already}: edit that one.", messages.INFO)
            return redirect("admin:activities_program_change", live.pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self.start_live_draft(request, snapshot) or redirect("admin:activities_program_change", snapshot.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Start a live draft of “{snapshot.title}”?",
            "opts": self.opts,
            "object": snapshot,
        }
        return TemplateResponse(request, "admin/activities/program/start_live_draft.html", context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/compare-versions/",
                self.admin_site.admin_view(self.compare_versions_view),
                name="activities_program_compare_versions",
            ),
            path(
                "<path:object_id>/start-live-draft/",
                self.admin_site.admin_view(self.start_live_draft_view),
                name="activities_program_start_live_draft",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def default_comparison(program, versions):
        """This version against the one before it (the oldest against the next one)."""
        names = sorted((version_name(version) for version in versions), key=version_order)
        here = names.index(version_name(program))
        pair = names[here - 1 : here + 1] if here else names[:2]
        return {"program": program.slug, "from": pair[0], "to": pair[-1]}

    def compare_versions_view(self, request, object_id):
        """What changed between two versions of a page, drafts included."""
        program = self.get_object(request, object_id)
        if program is None or not self.has_view_or_change_permission(request, program):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = Program.objects.filter(slug=program.slug)
        form = VersionCompareForm(request.GET or self.default_comparison(program, versions), programs=versions)
        comparison = None
        if form.is_valid():
            comparison = selectors.compare_versions(form.cleaned_data["older"], form.cleaned_data["newer"], drafts=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of “{program.title}”",
            "opts": self.opts,
            "object": program,
            "form": form,
            "comparison": comparison,
        }
        return TemplateResponse(request, "admin/activities/program/compare_versions.html", context)

    @admin.display(description="sections", ordering="section_total")
    def section_count(self, program):
        return program.section_total

    @admin.display(description="activities", ordering="activity_total")
    def activity_count(self, program):
        return program.activity_total


@admin.register(Section)
class SectionAdmin(SnapshotReadOnly, PublishableAdmin):
    list_display = ["__str__", "place", "list_style"]  # short, as the activities' list
    list_filter = ["provenance", "list_style", "program"]
    list_select_related = ["program", "parent"]
    search_fields = ["title", "anchor", "intro"]
    ordering = ["program", "order"]
    prepopulated_fields = {"anchor": ["title"]}
    inlines = [ActivityInline]
    fieldsets = [
        (None, {"fields": ["program", "parent", "order", "title", "anchor"]}),
        ("Content", {"fields": ["intro", "exit_notice", "list_style", "top_of_page"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    @admin.display(description="on the page", ordering="order")
    def place(self, section):
        return page_version(section.program) + (f", in {section.parent.short_name}" if section.parent else "")


@admin.register(Activity)
class ActivityAdmin(SnapshotReadOnly, PublishableAdmin):
    # Few, short columns, so that the list fits a laptop's screen beside the
    # filters; the list is in page order, and provenance is a filter.
    list_display = ["__str__", "month", "place"]
    list_filter = ["provenance", "themes", "program", "section", "partners"]
    list_select_related = ["program", "section"]
    search_fields = ["text", "title", "slug"]
    ordering = ["program", "section__order", "order"]
    date_hierarchy = "date"
    autocomplete_fields = ["themes", "partners", "printed_in"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["program", "section", "order"]}),
        ("Content", {"fields": ["date", "title", "slug", "text", "themes", "partners", "printed_in"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    def view_on_site(self, activity):
        # An activity's own address shows the current version's record of that
        # slug; a snapshot's record is seen where its archived page prints it.
        if activity.program.archived_on:
            return f"{activity.program.get_absolute_url()}#{activity.slug}"
        return super().view_on_site(activity)

    @admin.display(description="on the page", ordering="section__order")
    def place(self, activity):
        return f"{page_version(activity.program)}: {activity.section.short_name}"

    @admin.display(description="date", ordering="date")
    def month(self, activity):
        # Dates are kept to the month; "March 1, 2020" would claim a day.
        return f"{activity.date:%B %Y}" if activity.date else "—"


class UsedBySnapshotsAdmin:
    """For records that snapshots use without owning them (themes, partners,
    agreements, contacts): one a snapshot uses cannot be deleted, and the
    delete page lists the snapshots that keep it, as for a protected record."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for snapshot in snapshot_rules.snapshots_using(obj):
                protected.append(f"{obj._meta.verbose_name.capitalize()} “{obj}”, used by {snapshot}")
        return deleted, counts, perms_needed, protected


@admin.register(Theme)
class ThemeAdmin(UsedBySnapshotsAdmin, ContentAdmin):
    list_display = ["name", "slug", "activity_count"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activity_total=Count("activities"))

    @admin.display(description="activities", ordering="activity_total")
    def activity_count(self, theme):
        return theme.activity_total
