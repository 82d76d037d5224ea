"""Migration 0017 on a database that holds activities in the link markup.

Run on SQLite and on PostgreSQL (DATABASE_URL): there, dated snapshots are
read-only to everything but a transaction that names them."""

import datetime

from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from activities import selectors
from activities.models import Activity

BEFORE = [("activities", "0016_block_permissions_for_staff_groups")]
AFTER = [("activities", "0017_activity_text_rich_text")]
MARKUP = "Talks with [OEFA](partner:oefa) & [the ministry](https://www.gob.pe/minam) on <quetzals>.\n\nA second one."
HTML = (
    '<p>Talks with <a href="partner:oefa">OEFA</a> &amp; <a href="https://www.gob.pe/minam">the ministry</a> '
    "on &lt;quetzals&gt;.</p><p>A second one.</p>"
)


class ActivityTextMigrationTests(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def test_every_stored_text_becomes_html_and_is_found_by_its_words_only(self):
        apps = self.migrate(BEFORE)
        Program = apps.get_model("activities", "Program")
        OldActivity = apps.get_model("activities", "Activity")
        History = apps.get_model("activities", "HistoricalActivity")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('coop_site.writable_snapshots', 'atlantis@2021-01-19', true)")
            snapshot = Program.objects.create(slug="atlantis", archived_on=datetime.date(2021, 1, 19),
                                              title="EPA Collaboration with Atlantis", status="published")
            activity = OldActivity.objects.create(program=snapshot, slug="atlantis-talks", text=MARKUP,
                                                  status="published", ordering=10)
            fields = {field.attname: getattr(activity, field.attname) for field in OldActivity._meta.concrete_fields}
            History.objects.create(**fields, history_date=datetime.datetime.now(datetime.UTC), history_type="+")

        self.migrate(AFTER)
        activity = Activity.objects.get(slug="atlantis-talks")
        self.assertEqual(activity.text, HTML)
        self.assertEqual(activity.history.get().text, HTML)
        self.assertEqual([result.url for result in selectors.search("quetzals ministry")[0:20]],
                         ["/activities/atlantis-talks/"])
        for markup in ("href", "gob", "partner", "lt", "p"):
            self.assertEqual(selectors.search(markup).count(), 0, markup)
