from django.views.generic import DetailView, ListView

from activities import selectors

from .models import Agreement, Partner


class PartnerListView(ListView):
    queryset = Partner.objects.published()


class PartnerDetailView(DetailView):
    queryset = Partner.objects.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(activity_list=selectors.partner_activities(self.object), **kwargs)


class AgreementListView(ListView):
    queryset = Agreement.objects.published()
