from django.contrib import admin
from django.db.models import Count

from coop_site.admin_mixins import (
    PROVENANCE_FIELDSET,
    PUBLICATION_FIELDSET,
    ContentAdmin,
    PublishableAdmin,
    PublishableInline,
)

from .models import Activity, Program, Section, Theme


class SectionInline(PublishableInline, admin.TabularInline):
    model = Section
    fields = ["order", "title", "anchor", "parent", "list_style", "top_of_page", "status", "provenance"]
    extra = 0
    show_change_link = True
    ordering = ["order", "pk"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A parent must be a top-level section of the same page.
        if db_field.name == "parent":
            program_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(program_id=program_id, parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ActivityInline(PublishableInline, admin.StackedInline):
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


@admin.register(Program)
class ProgramAdmin(PublishableAdmin):
    list_display = ["title", "country", "archived_on", "provenance", "section_count", "activity_count"]
    list_filter = ["provenance", "country", "archived_on"]
    search_fields = ["title", "country", "slug", "intro"]
    ordering = ["country", "-archived_on"]
    autocomplete_fields = ["agreements"]
    inlines = [SectionInline, ProgramActivityInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "country", "archived_on"]}),
        ("Page text", {"fields": ["intro", "explore_label", "contact_lead", "contact", "agreements", "last_updated"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            section_total=Count("sections", distinct=True), activity_total=Count("activities", distinct=True)
        )

    @admin.display(description="sections", ordering="section_total")
    def section_count(self, program):
        return program.section_total

    @admin.display(description="activities", ordering="activity_total")
    def activity_count(self, program):
        return program.activity_total


@admin.register(Section)
class SectionAdmin(PublishableAdmin):
    list_display = ["__str__", "program", "parent", "order", "list_style", "top_of_page", "provenance"]
    list_filter = ["provenance", "list_style", "program"]
    list_select_related = ["program", "parent"]
    search_fields = ["title", "anchor", "intro"]
    ordering = ["program", "order"]
    inlines = [ActivityInline]
    fieldsets = [
        (None, {"fields": ["program", "parent", "order", "title", "anchor"]}),
        ("Content", {"fields": ["intro", "exit_notice", "list_style", "top_of_page"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]


@admin.register(Activity)
class ActivityAdmin(PublishableAdmin):
    list_display = ["__str__", "month", "program", "section", "order", "provenance"]
    list_filter = ["provenance", "themes", "program", "section", "partners"]
    list_select_related = ["program", "section"]
    search_fields = ["text", "title", "slug"]
    ordering = ["program", "section__order", "order"]
    date_hierarchy = "date"
    autocomplete_fields = ["themes", "partners", "printed_in"]
    fieldsets = [
        (None, {"fields": ["program", "section", "order"]}),
        ("Content", {"fields": ["date", "title", "slug", "text", "themes", "partners", "printed_in"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    @admin.display(description="date", ordering="date")
    def month(self, activity):
        # Dates are kept to the month; "March 1, 2020" would claim a day.
        return f"{activity.date:%B %Y}" if activity.date else "—"


@admin.register(Theme)
class ThemeAdmin(ContentAdmin):
    list_display = ["name", "slug", "activity_count"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activity_total=Count("activities"))

    @admin.display(description="activities", ordering="activity_total")
    def activity_count(self, theme):
        return theme.activity_total
