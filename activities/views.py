from django.http import Http404
from django.views.generic import TemplateView

from . import selectors


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
