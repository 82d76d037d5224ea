"""Migration 0017 on a database that holds activities in the link markup, and
0018 (Program becomes Page) on one that holds a snapshot, staff groups and
their rights.

Run on SQLite and on PostgreSQL (DATABASE_URL): there, dated snapshots are
read-only to everything but a transaction that names them."""

import datetime

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from activities import selectors
from activities.models import Activity, Page, RichText

BEFORE = [("activities", "0016_block_permissions_for_staff_groups")]
AFTER = [("activities", "0017_activity_text_rich_text")]
BEFORE_PAGES = [("activities", "0017_activity_text_rich_text")]
MARKUP = "Talks with [OEFA](partner:oefa) & [the ministry](https://www.gob.pe/minam) on <quetzals>.\n\nA second one."
HTML = (
    '<p>Talks with <a href="partner:oefa">OEFA</a> &amp; <a href="https://www.gob.pe/minam">the ministry</a> '
    "on &lt;quetzals&gt;.</p><p>A second one.</p>"
)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()  # as after `migrate`
    return executor.loader.project_state(targets).apps


class MigrationTestCase(TransactionTestCase):
    def setUp(self):
        # The database ends as it began, migrated to the end, whatever happens.
        self.addCleanup(migrate, MigrationExecutor(connection).loader.graph.leaf_nodes())

    def migrate(self, targets):
        return migrate(targets)


class ActivityTextMigrationTests(MigrationTestCase):
    def test_every_stored_text_becomes_html_and_is_found_by_its_words_only(self):
        apps = self.migrate(BEFORE)
        Program = apps.get_model("activities", "Program")  # Page since 0018
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
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the models' own schema
        activity = Activity.objects.get(slug="atlantis-talks")
        self.assertEqual(activity.text, HTML)
        self.assertEqual(activity.history.get().text, HTML)
        self.assertEqual([result.url for result in selectors.search("quetzals ministry")[0:20]],
                         ["/activities/atlantis-talks/"])
        for markup in ("href", "gob", "partner", "lt", "p"):
            self.assertEqual(selectors.search(markup).count(), 0, markup)


class PagesMigrationTests(MigrationTestCase):
    """0018: a database of when pages were called programs, its snapshot and groups, migrated forward."""

    def test_the_groups_keep_their_rights_on_pages_and_the_snapshot_stays_read_only(self):
        apps = self.migrate(BEFORE_PAGES)
        permissions = apps.get_model("auth", "Permission").objects.filter(content_type__app_label="activities")
        Group = apps.get_model("auth", "Group")
        # As migrations 0003 and 0016 left them (a transactional test before this one may have emptied them).
        for name, actions in (("Editors", ["view", "add", "change"]), ("Publishers", ["view", "add", "change", "delete",
                                                                                     "publish"])):
            group, _ = Group.objects.get_or_create(name=name)
            granted = permissions.filter(codename__in=[f"{action}_program" for action in actions])
            self.assertEqual(len(granted), len(actions))
            group.permissions.add(*granted)
        rights = {group.name: sorted(group.permissions.values_list("codename", flat=True))
                  for group in Group.objects.filter(name__in=["Editors", "Publishers"])}
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('coop_site.writable_snapshots', 'atlantis@2021-01-19', true)")
            snapshot = apps.get_model("activities", "Program").objects.create(
                slug="atlantis", archived_on=datetime.date(2021, 1, 19), title="EPA Collaboration with Atlantis",
                status="published",
            )
            apps.get_model("activities", "RichText").objects.create(program=snapshot, ordering=10, text="<p>Hi.</p>")

        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

        renamed = {name: sorted(codename.replace("program", "page") for codename in codenames)
                   for name, codenames in rights.items()}
        self.assertEqual({group.name: sorted(group.permissions.values_list("codename", flat=True))
                          for group in Group.objects.filter(name__in=["Editors", "Publishers"])}, renamed)
        self.assertIn("change_page", renamed["Editors"])
        self.assertIn("publish_page", renamed["Publishers"])
        self.assertFalse(Permission.objects.filter(codename__contains="program").exists())
        self.assertEqual(Permission.objects.get(codename="change_page").name, "Can change page")
        self.assertEqual(ContentType.objects.get_for_model(Page).model, "page")

        snapshot = Page.objects.get(slug="atlantis")
        self.assertEqual(list(RichText.objects.filter(page=snapshot).values_list("text", flat=True)), ["<p>Hi.</p>"])
        if connection.vendor == "postgresql":
            # The snapshot rule names the new tables and columns: plain SQL is still refused.
            with self.assertRaisesMessage(Exception, "is read-only (UPDATE of activities_richtext)"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("UPDATE activities_richtext SET text = 'x' WHERE page_id = %s", [snapshot.pk])
