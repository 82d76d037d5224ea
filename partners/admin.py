from django.contrib import admin

from core.admin_mixins import PROVENANCE_FIELDSET, PUBLICATION_FIELDSET, ContentAdmin, PublishableAdmin

from .models import Agreement, Contact, Partner


@admin.register(Partner)
class PartnerAdmin(PublishableAdmin):
    list_display = ["name", "acronym", "country", "leaves_site"]
    list_filter = ["provenance", "leaves_site", "country"]
    search_fields = ["name", "acronym", "local_name", "slug"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "acronym", "slug", "local_name", "local_name_language", "country", "url", "leaves_site"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]


@admin.register(Agreement)
class AgreementAdmin(PublishableAdmin):
    list_display = ["title", "short_name", "in_force_from"]
    list_filter = ["provenance"]
    search_fields = ["title", "short_name", "parties", "slug"]
    ordering = ["-in_force_from", "title"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "short_name", "slug", "parties", "signed_on", "in_force_from", "url", "leaves_site"]}),
        PUBLICATION_FIELDSET,
        PROVENANCE_FIELDSET,
    ]


@admin.register(Contact)
class ContactAdmin(ContentAdmin):
    list_display = ["name", "organization", "office"]
    list_filter = ["provenance", "organization"]
    search_fields = ["name", "organization", "office", "email"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "organization", "office", "address", "email", "phone"]}),
        PROVENANCE_FIELDSET,
    ]
