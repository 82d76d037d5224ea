"""The activities app's addresses, under one namespace: its pages', the
activities' (activity_urls) and the archive's (archive_urls)."""

from django.urls import include, path

from . import views

app_name = "activities"

urlpatterns = [
    path("international-cooperation/", include([
        path("", views.PageIndexView.as_view(), name="page_index"),
        path("<slug:slug>/", views.PageDetailView.as_view(), name="page_detail"),
    ])),
    path("activities/", include("activities.activity_urls")),
    path("archive/", include("activities.archive_urls")),
]
