from django.views.generic import DetailView, ListView

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
            # Through the activities app's relation (activities depends on partners, not the reverse):
            # the published activities of the pages' current versions, as the listing orders them.
            activity_list=list(self.object.activities.current().in_listing_order()),
            not_public=not self.object.is_published,
            **kwargs,
        )


class AgreementListView(ListView):
    queryset = Agreement.objects.published()
