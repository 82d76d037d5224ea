from django.urls import path, register_converter

from core.middleware import reads_query

from . import views
from .converters import IsoDateConverter

app_name = "archive"

register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", views.ArchiveIndexView.as_view(), name="index"),
    path("compare/", reads_query("program", "from", "to")(views.CompareView.as_view()), name="compare"),
    path(
        "<isodate:date>/international-cooperation/<slug:slug>/",
        views.ArchivedProgramView.as_view(),
        name="program_detail",
    ),
]
