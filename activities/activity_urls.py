from django.urls import path

from core.middleware import reads_query
from core.page_cache import etag_only

from . import views
from .feeds import ActivityFeed
from .listing import ActivityFilterSet

app_name = "activity"

listing = reads_query(*ActivityFilterSet.base_filters, "page", "format")
feed = reads_query(*ActivityFilterSet.base_filters)

urlpatterns = [
    path("", listing(views.ActivityListView.as_view()), name="list"),
    path("feed/", feed(etag_only(ActivityFeed())), name="feed"),
    path("<int:year>/", listing(views.ActivityListView.as_view()), name="year"),
    path("<int:year>/feed/", feed(etag_only(ActivityFeed())), name="year_feed"),
    path("theme/<slug:theme>/", listing(views.ActivityListView.as_view()), name="theme"),
    path("theme/<slug:theme>/feed/", feed(etag_only(ActivityFeed())), name="theme_feed"),
    path("<slug:slug>/", views.ActivityDetailView.as_view(), name="detail"),
]
