from django.views.generic import DetailView, ListView

from activities import selectors
from core.publishing import PreviewMixin

from .models import Agreement, Partner


class PartnerListView(ListView):
    queryset = Partner.objects.published()


class PartnerDetailView(PreviewMixin, DetailView):
    preview_model = Partner

    def get_queryset(self):
        return Partner.objects.all() if self.preview else Partner.objects.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            activity_list=selectors.partner_activities(self.object),
            not_public=not self.object.is_published,
            **kwargs,
        )


class AgreementListView(ListView):
    queryset = Agreement.objects.published()
