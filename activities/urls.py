from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.ProgramIndexView.as_view(), name="program_index"),
    path("<slug:slug>/", views.ProgramDetailView.as_view(), name="program_detail"),
]
