from content_editor.admin import ContentEditor, ContentEditorInline
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_mixins import (
    PROVENANCE_FIELDSET,
    PUBLICATION_FIELDSET,
    ContentAdmin,
    PublishableAdmin,
    PublishableInline,
    RevisedInline,
    keep_from_deletion,
)
from core.dates import month_year
from core.publishing import publish_permission
from core.text import RichTextField, render_html

from . import selectors, services, snapshot_rules, snapshots
from .forms import VersionCompareForm, version_order
from .models import (
    BLOCK_TYPES,
    Activity,
    AgreementList,
    Heading,
    ItemList,
    LinkList,
    Page,
    PageContact,
    PartnerList,
    RichText,
    Theme,
    TopOfPage,
)
from .search import WordsOfHtml
from .snapshot_upload import SnapshotUploadAdmin


def editable_copy_note(snapshot):
    """How to change what a snapshot shows: its page's live version, or a live draft started from it."""
    live = Page.objects.filter(slug=snapshot.slug, archived_on__isnull=True).first()
    if live:
        return format_html('To change it, edit the page’s live version: <a href="{}">“{}”</a>.',
                           reverse("admin:activities_page_change", args=[live.pk]), live)
    return format_html(
        'To change it, <a href="{}">start a live draft</a> of the page from this snapshot: an editable copy, '
        "which the public sees once it is published.",
        reverse("admin:activities_page_start_live_draft", args=[snapshot.pk]),
    )


class SnapshotReadOnly:
    """A dated snapshot is an archive: shown in the admin, never edited there.
    Its parts are read-only and cannot be added or deleted; a whole snapshot
    may be deleted by Publishers only (PageAdmin). A part's form says how
    to make an editable copy."""

    def in_snapshot(self, obj):
        page = obj if isinstance(obj, Page) else getattr(obj, "page", None)
        return page is not None and page.is_snapshot

    def read_only_because(self, obj):
        if self.in_snapshot(obj):
            return "it is part of a snapshot, which is read-only"
        return super().read_only_because(obj)

    @admin.display(description="snapshot")
    def snapshot_note(self, obj):
        return format_html("Part of a snapshot: it is shown, not edited. {}", editable_copy_note(obj.page))

    def is_snapshot_part(self, obj):
        # A page's own form says it under "all versions"; an inline's obj is its page.
        return obj is not None and not isinstance(obj, Page) and self.in_snapshot(obj)

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
        return allowed and isinstance(obj, Page) and request.user.has_perm(publish_permission(Page))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New content goes into live versions only.
        if db_field.name == "page" and "queryset" not in kwargs:
            kwargs["queryset"] = Page.objects.filter(archived_on__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SnapshotInline(SnapshotReadOnly):
    """An inline's obj is the page it is shown on."""

    def is_snapshot_part(self, obj):
        return False  # the form it is shown on says it once

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and self.in_snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        # A snapshot's parts go with the whole snapshot only, never from its form.
        return super().has_delete_permission(request, obj) and not (obj and self.in_snapshot(obj))


class PrintedRichTextInline:
    """A snapshot's blocks are shown, not edited: their rich text is shown as
    the page prints it, not as HTML source."""

    RICH_TEXT = {"text": "text_as_printed", "items": "items_as_printed", "links": "links_as_printed"}

    def shown_as_printed(self, obj):
        """The display of each rich text field of a snapshot's blocks: {field: method}."""
        if obj is None or not self.in_snapshot(obj):
            return {}
        return {field.name: self.RICH_TEXT[field.name] for field in self.model._meta.fields
                if isinstance(field, RichTextField)}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        shown = self.shown_as_printed(obj)
        return [
            (name, {**options, "fields": [shown.get(field, field) if isinstance(field, str) else field
                                          for field in options["fields"]]})
            for name, options in fieldsets
        ] if shown else fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.shown_as_printed(obj).values()]

    @admin.display(description="text")
    def text_as_printed(self, block):
        return render_html(block.text, {})

    @admin.display(description="items")
    def items_as_printed(self, block):
        return render_html(block.items, {})

    @admin.display(description="links")
    def links_as_printed(self, block):
        return render_html(block.links, {})


class BlockInline(PrintedRichTextInline, SnapshotInline, RevisedInline, ContentEditorInline):
    """A kind of block in the page's body (django-content-editor's inline)."""

    fk_name = "page"
    view_on_site = False  # a block's address is its page's, this form's own "View on site"


def block_inline(model, fields, **options):
    return BlockInline.create(model, fieldsets=[(None, {"fields": [*fields, "region", "ordering"]})], **options)


class ActivityBlockInline(PrintedRichTextInline, SnapshotInline, PublishableInline, ContentEditorInline):
    """An activity, placed in the body where the page prints it."""

    model = Activity
    fk_name = "page"
    fieldsets = [(None, {"fields": [
        ("display", "status"), ("date", "date_prefix"), ("title", "slug"), "text", ("themes", "partners"),
        "printed_in", "region", "ordering",
    ]})]
    autocomplete_fields = ["themes", "partners"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes", "partners")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "printed_in":
            page_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Activity.objects.filter(page_id=page_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "printed_in" and formfield is not None:
            # It names an activity of this page: one made in a popup would be on a page of its own choosing.
            formfield.widget.can_add_related = False
        return formfield


BLOCK_INLINES = [
    block_inline(Heading, [("level", "anchor"), "text"], prepopulated_fields={"anchor": ["text"]}),
    block_inline(RichText, ["text", "exit_notice"]),
    block_inline(ItemList, ["items"]),
    ActivityBlockInline,
    block_inline(LinkList, ["label", "from_headings", "links"]),
    block_inline(AgreementList, []),
    block_inline(PartnerList, []),
    block_inline(PageContact, ["lead", "contact"], autocomplete_fields=["contact"]),
    block_inline(TopOfPage, []),
]


class BlockAdminFormSet(helpers.InlineAdminFormSet):
    """A kind of block as the page's form shows it. Shown read-only (a
    snapshot's), each block still carries its place, region and ordering, as
    hidden inputs: the block editor's script reads them to show the body in
    order (the form is not saved: a read-only form has no save button, and
    its page refuses a save)."""

    PLACE = ("region", "ordering")

    def __iter__(self):
        for inline_admin_form in super().__iter__():
            if not self.has_change_permission:
                inline_admin_form.readonly_fields = [
                    name for name in inline_admin_form.readonly_fields if name not in self.PLACE
                ]
            yield inline_admin_form


def page_version(page):
    """Short, for lists: "Peru (2021-01-19)", "Peru (live)"."""
    return f"{page.title} ({page.version_name})"


@admin.register(Page)
class PageAdmin(SnapshotUploadAdmin, SnapshotReadOnly, PublishableAdmin, ContentEditor):
    """A page and its body's blocks, in one form (django-content-editor)."""

    list_display = ["title", "kind", "version", "activity_count"]
    list_filter = ["kind", "provenance", "archived_on"]
    search_fields = ["title", "country", "slug"]
    ordering = ["title", "-archived_on"]
    autocomplete_fields = ["agreements", "partners"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = BLOCK_INLINES
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "country", "archived_on", "versions"]}),
        PUBLICATION_FIELDSET,
        # Folded, so that the body's blocks come soon after the title.
        ("About the page", {
            "fields": ["meta_description", "agreements", "partners", "last_updated"], "classes": ["collapse"],
        }),
        (PROVENANCE_FIELDSET[0], {**PROVENANCE_FIELDSET[1], "classes": ["collapse"]}),
    ]

    def history_view(self, request, object_id, extra_context=None):
        # The blocks' changes too: an edit made on the page's form to a text
        # alone leaves no change of the page's own.
        page = self.get_object(request, unquote(object_id))
        changes = selectors.block_changes(page) if page is not None else []
        return super().history_view(request, object_id, extra_context={"block_changes": changes, **(extra_context or {})})

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activity_total=Count("activities", distinct=True))

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_admin_formset in inline_admin_formsets:
            if isinstance(inline_admin_formset.opts, ContentEditorInline):
                inline_admin_formset.__class__ = BlockAdminFormSet
        return inline_admin_formsets

    def get_readonly_fields(self, request, obj=None):
        # A version's date is what it is; dated versions come only from snapshot_selected
        # (freeze_snapshot) or load_snapshot, whole.
        return [*super().get_readonly_fields(request, obj), "versions", "archived_on"]

    def delete_model(self, request, obj):
        if obj.is_snapshot:
            services.delete_snapshot(obj, user=request.user)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for snapshot in queryset.filter(archived_on__isnull=False):
            services.delete_snapshot(snapshot, user=request.user)
        super().delete_queryset(request, queryset.filter(archived_on__isnull=True))

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if self.has_publish_permission(request) and all(page.is_snapshot for page in objs):
            # The parts of a snapshot are read-only on their own, but go with it.
            perms_needed -= {model._meta.verbose_name for model in BLOCK_TYPES}
        return deleted, counts, perms_needed, protected

    @admin.display(description="version", ordering="archived_on")
    def version(self, page):
        return f"Snapshot of {page.version_name}" if page.is_snapshot else "Live"

    @admin.display(description="all versions")
    def versions(self, page):
        if page.pk is None:
            return "—"
        links = format_html(
            '<a href="{}">Compare this version with another</a>',
            reverse("admin:activities_page_compare_versions", args=[page.pk]),
        )
        if page.is_snapshot:
            return format_html("A snapshot: it is shown, not edited. {} {}", editable_copy_note(page), links)
        return links

    actions = [*PublishableAdmin.actions, "snapshot_selected", "start_live_version"]

    def revert_notes(self, request, page):
        return [format_html(
            "This reverts the page's own fields. Its activities are reverted on their own history "
            'pages: see <a href="{}">its activities</a>.',
            reverse("admin:activities_activity_changelist") + f"?page__id__exact={page.pk}",
        )]

    @admin.action(description="Freeze the selected live pages as snapshots dated today", permissions=["publish"])
    def snapshot_selected(self, request, queryset):
        today = timezone.localdate()
        for page in self.items_as_read(request, queryset, verb="freeze"):
            try:
                snapshot = services.freeze_snapshot(page, archived_on=today, user=request.user)
            except (snapshots.SnapshotError, PermissionDenied) as error:
                self.message_user(request, f"Could not freeze “{page}”: {error}", messages.ERROR)
            else:
                self.message_user(request, f"Froze “{snapshot}”.", messages.SUCCESS)

    @admin.action(description="Start a live draft from the selected snapshot", permissions=["add"])
    def start_live_version(self, request, queryset):
        pages = list(queryset[:2])
        if len(pages) != 1 or not pages[0].is_snapshot:
            self.message_user(request, "Choose one snapshot to start the live version from.", messages.ERROR)
            return None
        if not self.items_as_read(request, pages, verb="start a live version of"):
            return None
        return self.start_live_draft(request, pages[0])

    def start_live_draft(self, request, snapshot):
        """A live draft of ``snapshot``'s page and a redirect to its form; None, with the reason said, if refused."""
        try:
            live = services.start_live_version(snapshot, user=request.user)
        except (snapshots.SnapshotError, PermissionDenied) as error:
            self.message_user(request, f"Could not start a live version of “{snapshot}”: {error}", messages.ERROR)
            return None
        self.message_user(request, f"Started “{live}” as a draft: edit it, then publish it.", messages.SUCCESS)
        return redirect("admin:activities_page_change", live.pk)

    def start_live_draft_view(self, request, object_id):
        """A snapshot's own "Start a live draft": a confirmation page, then the draft's form."""
        snapshot = self.get_object(request, object_id)
        if snapshot is None or not self.has_view_permission(request, snapshot):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        live = Page.objects.filter(slug=snapshot.slug, archived_on__isnull=True).first()
        if live:
            already = "is the live version" if live == snapshot else f"already has a live version, “{live}”"
            self.message_user(request, f"“{snapshot.title}” {already}: edit that one.", messages.INFO)
            return redirect("admin:activities_page_change", live.pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self.start_live_draft(request, snapshot) or redirect("admin:activities_page_change", snapshot.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Start a live draft of “{snapshot.title}”?",
            "opts": self.opts,
            "object": snapshot,
        }
        return TemplateResponse(request, "admin/activities/page/start_live_draft.html", context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/compare-versions/",
                self.admin_site.admin_view(self.compare_versions_view),
                name="activities_page_compare_versions",
            ),
            path(
                "<path:object_id>/start-live-draft/",
                self.admin_site.admin_view(self.start_live_draft_view),
                name="activities_page_start_live_draft",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def default_comparison(page, versions):
        """This version against the one before it (the oldest against the next one)."""
        names = sorted((version.version_name for version in versions), key=version_order)
        here = names.index(page.version_name)
        pair = names[here - 1 : here + 1] if here else names[:2]
        return {"page": page.slug, "from": pair[0], "to": pair[-1]}

    def compare_versions_view(self, request, object_id):
        """What changed between two versions of a page, drafts included."""
        page = self.get_object(request, object_id)
        if page is None or not self.has_view_or_change_permission(request, page):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = Page.objects.filter(slug=page.slug)
        form = VersionCompareForm(request.GET or self.default_comparison(page, versions), pages=versions)
        comparison = None
        if form.is_valid():
            comparison = selectors.compare_versions(form.cleaned_data["older"], form.cleaned_data["newer"], drafts=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of “{page.title}”",
            "opts": self.opts,
            "object": page,
            "form": form,
            "comparison": comparison,
        }
        return TemplateResponse(request, "admin/activities/page/compare_versions.html", context)

    @admin.display(description="activities", ordering="activity_total")
    def activity_count(self, page):
        return page.activity_total


@admin.register(Activity)
class ActivityAdmin(SnapshotReadOnly, PublishableAdmin):
    # Few, short columns, so that the list fits a laptop's screen beside the
    # filters; the list is in page order, and provenance is a filter.
    list_display = ["__str__", "month", "place"]
    list_filter = ["provenance", "themes", "page", "partners"]
    list_select_related = ["page"]
    # The text's words, not its markup: "span" or "href" find nothing.
    search_fields = ["text_words", "title", "slug"]
    ordering = ["page", "ordering"]
    date_hierarchy = "date"
    autocomplete_fields = ["themes", "partners", "printed_in"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["page", "ordering", "display"]}),
        ("Content", {"fields": ["date", "date_prefix", "title", "slug", "text", "themes", "partners", "printed_in"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            queryset = queryset.annotate(text_words=WordsOfHtml("text"))
        return super().get_search_results(request, queryset, search_term)

    def view_on_site(self, activity):
        # An activity's own address shows the current version's record of that
        # slug; a snapshot's record is seen where its archived page prints it.
        if activity.page.is_snapshot:
            return f"{activity.page.get_absolute_url()}#{activity.slug}"
        return super().view_on_site(activity)

    @admin.display(description="on the page", ordering="ordering")
    def place(self, activity):
        return page_version(activity.page)

    @admin.display(description="date", ordering="date")
    def month(self, activity):
        # Dates are kept to the month; "March 1, 2020" would claim a day.
        return month_year(activity.date) if activity.date else "—"


def _snapshots_keeping(obj):
    """What keeps a record that snapshots use without owning it (a theme,
    partner, agreement or contact): its delete page lists them, as for a protected record."""
    return [
        f"{obj._meta.verbose_name.capitalize()} “{obj}”, used by {snapshot}"
        for snapshot in snapshot_rules.snapshots_using(obj)
    ]


for label in snapshot_rules.SHARED:
    keep_from_deletion(label, _snapshots_keeping)


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
