from django.urls import path

from . import views

app_name = "activity"

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("<int:year>/", views.ActivityListView.as_view(), name="year"),
    path("theme/<slug:theme>/", views.ActivityListView.as_view(), name="theme"),
    path("<slug:slug>/", views.ActivityDetailView.as_view(), name="detail"),
]
