"""The content version's move from coop_site to core (core's migration 0001)
on a database migrated before it. Run on SQLite and on PostgreSQL
(DATABASE_URL): the triggers differ."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import TransactionTestCase

from activities.models import Theme
from core import cache_versions
from core.models import ContentVersion


class ContentVersionMovedFromCoopSiteTests(TransactionTestCase):
    def setUp(self):
        self.addCleanup(call_command, "migrate", verbosity=0)  # the database ends as it began, whatever happens
        call_command("migrate", "core", "zero", verbosity=0)
        ContentType.objects.clear_cache()
        cache_versions.current()  # the row, made if a transactional test before this one emptied the table

    def test_the_version_its_triggers_and_the_rights_on_it_come_along(self):
        content_type = ContentType.objects.get(app_label="coop_site", model="contentversion")
        staff = Group.objects.create(name="Version watchers")
        staff.permissions.add(Permission.objects.get(content_type=content_type, codename="view_contentversion"))
        before = cache_versions.current()

        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()

        self.assertEqual(cache_versions.current(), before + 1, "the same row, moved on once by migrate")
        self.assertEqual(ContentVersion.objects.get().number, before + 1)
        self.assertEqual(ContentType.objects.get_for_model(ContentVersion).pk, content_type.pk)
        self.assertFalse(ContentType.objects.filter(app_label="coop_site", model="contentversion").exists())
        self.assertEqual([f"{p.content_type.app_label}.{p.codename}" for p in staff.permissions.all()],
                         ["core.view_contentversion"])
        tables = set(cache_versions.content_tables())
        self.assertEqual(cache_versions.tables_with_triggers() & tables, tables)
        Theme.objects.create(slug="wetlands", name="Wetlands")
        self.assertEqual(cache_versions.current(), before + 2, "a change to the content moves it on")
