"""/activities/: the listings, their feeds and each activity; in the activities namespace (urls.py)."""

from django.urls import path

from core.middleware import reads_query
from core.page_cache import etag_only

from . import views
from .feeds import ActivityFeed
from .listing import ActivityFilterSet

listing = reads_query(*ActivityFilterSet.base_filters, "page", "format")
feed = reads_query(*ActivityFilterSet.base_filters)

urlpatterns = [
    path("", listing(views.ActivityListView.as_view()), name="activity_list"),
    path("feed/", feed(etag_only(ActivityFeed())), name="activity_feed"),
    path("<int:year>/", listing(views.ActivityListView.as_view()), name="activity_year"),
    path("<int:year>/feed/", feed(etag_only(ActivityFeed())), name="activity_year_feed"),
    path("theme/<slug:theme>/", listing(views.ActivityListView.as_view()), name="activity_theme"),
    path("theme/<slug:theme>/feed/", feed(etag_only(ActivityFeed())), name="activity_theme_feed"),
    path("<slug:slug>/", views.ActivityDetailView.as_view(), name="activity_detail"),
]
