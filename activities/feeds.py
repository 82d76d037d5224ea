from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from core.dates import month_year
from core.text import words_of_html

from .listing import Listing


class ActivityFeed(Feed):
    """The newest activities of a listing, with the listing's filters."""

    feed_type = Atom1Feed
    item_count = 50
    # RFC 4287 wants an author on every entry; the feed's own covers them all.
    author_name = "U.S. Environmental Protection Agency"
    author_link = "https://www.epa.gov/"

    def __call__(self, request, *args, **kwargs):
        listing = Listing.from_request(request, **kwargs)
        if not listing.is_valid():
            raise Http404("These filters name nothing on this site.")
        if moved := listing.redirect_to_url(request, feed=True):  # one address, one cache entry
            return moved
        request.listing = listing
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, **kwargs):
        return request.listing

    def title(self, listing):
        return listing.site_title

    def link(self, listing):
        return listing.url()

    def feed_url(self, listing):
        return listing.url(feed=True)

    def feed_guid(self, listing):
        return tag_uri(listing.url(feed=True))

    def subtitle(self, listing):
        return "Activities of the U.S. EPA's international cooperation pages, newest first."

    def items(self, listing):
        items = list(listing.activities.with_last_change()[: self.item_count])
        # Readers take entries with one `updated` value as one change; records
        # saved together (a snapshot's load) are told apart by a microsecond each.
        seen = set()
        for activity in items:
            updated = activity.last_changed or as_datetime(activity.date or activity.page.last_updated
                                                         or activity.page.archived_on) or timezone.now()
            while updated in seen:
                updated -= timedelta(microseconds=1)
            seen.add(updated)
            activity.feed_updated = updated
        return items

    def item_guid(self, activity):
        return tag_uri(activity.get_absolute_url())

    item_guid_is_permalink = False

    def item_title(self, activity):
        prefix = f"{month_year(activity.date)}: " if activity.date else ""
        return prefix + str(activity)

    def item_description(self, activity):
        # Atom's summary is HTML: the text's words, escaped, so that no markup
        # (an <img onerror>, whatever wrote the text) ever reaches a reader as markup.
        return escape(words_of_html(activity.text))

    def item_pubdate(self, activity):
        return as_datetime(activity.date)

    def item_updateddate(self, activity):
        # When the record last changed, as its history says; a record without
        # history (loaded with plain loaddata) takes its own or its page's date.
        return activity.feed_updated

    def item_categories(self, activity):
        return [theme.name for theme in activity.themes.all()]


def as_datetime(day):
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def tag_uri(path):
    """An id that names the item wherever the site is served (RFC 4151), not
    the address of the host a reader happened to ask."""
    return f"tag:{settings.FEED_TAG_AUTHORITY}:{path}"
