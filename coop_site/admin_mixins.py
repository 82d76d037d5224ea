"""Admin pieces shared by every content model."""

from django.contrib import admin

PROVENANCE_FIELDSET = (
    "Provenance",
    {
        "fields": ("provenance", "provenance_note"),
        "description": "Where this content came from: verbatim from the archived page, "
        "reconstructed afterwards, or added later.",
    },
)


class ContentAdmin(admin.ModelAdmin):
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50
    save_on_top = True
