"""Adds N published activities (two themes each, spread over 20 years) to the Peru page, for the scale run:
to a published live version started from the loaded snapshot, since a snapshot does not change. They are
printed at the end of its "Past Activities" list, where tests.content.past_activities() places them."""

import datetime
import sys

import django

django.setup()

from activities import services  # noqa: E402
from activities.models import Activity, Page, Theme  # noqa: E402
from core.publishing import Status  # noqa: E402
from tests.content import past_activities  # noqa: E402

count = int(sys.argv[1])
live = services.start_live_version(Page.objects.get(slug="epa-collaboration-peru", archived_on__isnull=False))
Page.objects.filter(pk=live.pk).update(status=Status.PUBLISHED)
themes = list(Theme.objects.order_by("pk"))
# One subject word in ten activities each, so that a search matches a tenth of them.
subjects = ["workshop", "webinar", "inspection", "training", "course", "visit", "study", "meeting", "pilot", "plan"]
batch = 5000
for start in range(0, count, batch):
    size = min(batch, count - start)
    activities = past_activities(live, size, slug="generated")
    for n, activity in enumerate(activities, start=start):
        activity.slug, activity.title = f"generated-{n}", f"Generated activity {n}"
        activity.text = f"A generated {subjects[n % 10]}, number {n}, with partners in Peru."
        activity.date = datetime.date(2001 + n % 20, 1 + n % 12, 1)
    created = Activity.objects.bulk_create(activities)
    Activity.themes.through.objects.bulk_create(
        Activity.themes.through(activity_id=activity.pk, theme_id=themes[(activity.pk + k) % len(themes)].pk)
        for activity in created for k in (0, 3)
    )
print(Activity.objects.count())
