from django.views.generic import DetailView, ListView

from .models import Agreement, Partner


class PartnerListView(ListView):
    queryset = Partner.objects.published()


class PartnerDetailView(DetailView):
    queryset = Partner.objects.published()


class AgreementListView(ListView):
    queryset = Agreement.objects.published()
