from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("partners/", views.PartnerListView.as_view(), name="partner_list"),
    path("partners/<slug:slug>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
]
