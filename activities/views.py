from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from . import selectors
from .models import Activity, Theme


class ProgramIndexView(TemplateView):
    """The web area's programs: the home page and the International Cooperation index."""

    template_name = "activities/area_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(program_list=selectors.current_programs(), **kwargs)


class ProgramDetailView(TemplateView):
    template_name = "activities/program_detail.html"

    def get_context_data(self, **kwargs):
        program = selectors.current_program(slug=self.kwargs["slug"])
        if program is None:
            raise Http404("No published page at this address.")
        page = selectors.program_page(program)
        return super().get_context_data(
            program=program,
            sections=page.sections,
            partners_by_slug=page.partners_by_slug,
            archived_on=program.archived_on,
            **kwargs,
        )


class ActivityListView(ListView):
    """All published activities; the path may fix the year or a theme."""

    paginate_by = 20

    def get_queryset(self):
        filters = self.request.GET.copy()
        if "year" in self.kwargs:
            if not Activity.objects.published().filter(date__year=self.kwargs["year"]).exists():
                raise Http404("No activity in that year.")
            filters.setlist("year", [str(self.kwargs["year"])])
        if "theme" in self.kwargs:
            theme = get_object_or_404(Theme, slug=self.kwargs["theme"])
            filters.setlist("theme", sorted({theme.slug, *filters.getlist("theme")}))
        self.filterset = selectors.activity_list(filters=filters)
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter=self.filterset, **kwargs)


class ActivityDetailView(DetailView):
    queryset = Activity.objects.published().select_related("program", "section").prefetch_related(
        "themes", "partners"
    )

    def get_context_data(self, **kwargs):
        partners_by_slug = selectors.linked_partners(self.object.text)
        return super().get_context_data(partners_by_slug=partners_by_slug, **kwargs)
