"""/archive/: every dated version, their comparison and each snapshot; in the activities namespace (urls.py)."""

from django.urls import path, register_converter

from core.middleware import reads_query

from . import views
from .converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", views.ArchiveIndexView.as_view(), name="archive_index"),
    path("compare/", reads_query("page", "from", "to", views.OLD_PAGE_PARAMETER)(views.CompareView.as_view()), name="compare"),
    path(
        "<isodate:date>/international-cooperation/<slug:slug>/",
        views.ArchivedPageView.as_view(),
        name="archived_page",
    ),
]
