from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from activities.views import ProgramIndexView

urlpatterns = [
    path("", ProgramIndexView.as_view(template_name="home.html"), name="home"),
    path("international-cooperation/", include("activities.urls")),
    path("activities/", include("activities.activity_urls")),
    path("", include("partners.urls")),
    path("about-this-archive/", TemplateView.as_view(template_name="about_archive.html"), name="about_archive"),
    path("exit-disclaimer/", TemplateView.as_view(template_name="exit_disclaimer.html"), name="exit_disclaimer"),
    path("admin/", admin.site.urls),
]
