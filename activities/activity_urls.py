from django.urls import path

from . import views
from .feeds import ActivityFeed

app_name = "activity"

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("feed/", ActivityFeed(), name="feed"),
    path("<int:year>/", views.ActivityListView.as_view(), name="year"),
    path("<int:year>/feed/", ActivityFeed(), name="year_feed"),
    path("theme/<slug:theme>/", views.ActivityListView.as_view(), name="theme"),
    path("theme/<slug:theme>/feed/", ActivityFeed(), name="theme_feed"),
    path("<slug:slug>/", views.ActivityDetailView.as_view(), name="detail"),
]
