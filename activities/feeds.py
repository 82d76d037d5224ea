from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from coop_site.text import plain_text

from .views import listing_filterset


class ActivityFeed(Feed):
    """The newest activities of a listing, with the listing's filters."""

    feed_type = Atom1Feed
    item_count = 50

    def get_object(self, request, year=None, theme=None):
        filterset = listing_filterset(request, year=year, theme=theme)
        if not filterset.is_valid():
            raise Http404("These filters name nothing on this site.")
        return filterset

    def title(self, filterset):
        description = filterset.description
        return f"EPA international cooperation activities{' ' + description if description else ''}"

    def link(self, filterset):
        return filterset.canonical_url()

    def feed_url(self, filterset):
        return filterset.canonical_url(feed=True)

    def subtitle(self, filterset):
        return "Activities of the U.S. EPA's international cooperation pages, newest first."

    def items(self, filterset):
        return filterset.qs[: self.item_count]

    def item_title(self, activity):
        prefix = f"{activity.date:%B %Y}: " if activity.date else ""
        return prefix + str(activity)

    def item_description(self, activity):
        return plain_text(activity.text)

    def item_pubdate(self, activity):
        return as_datetime(activity.date)

    def item_updateddate(self, activity):
        # Atom needs a date on every entry; an undated activity takes its page's date.
        program = activity.program
        return as_datetime(activity.date or program.last_updated or program.archived_on) or timezone.now()

    def item_categories(self, activity):
        return [theme.name for theme in activity.themes.all()]


def as_datetime(day):
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
