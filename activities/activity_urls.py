from django.urls import path

from coop_site.page_cache import etag_only

from . import views
from .feeds import ActivityFeed

app_name = "activity"

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("feed/", etag_only(ActivityFeed()), name="feed"),
    path("<int:year>/", views.ActivityListView.as_view(), name="year"),
    path("<int:year>/feed/", etag_only(ActivityFeed()), name="year_feed"),
    path("theme/<slug:theme>/", views.ActivityListView.as_view(), name="theme"),
    path("theme/<slug:theme>/feed/", etag_only(ActivityFeed()), name="theme_feed"),
    path("<slug:slug>/", views.ActivityDetailView.as_view(), name="detail"),
]
