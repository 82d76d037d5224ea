from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.urls import reverse

from contact.models import Message

BEFORE_THE_MOVE = ("coop_site", "0004_contact_sender")
COOP_SITE_GRANT = ("coop_site", "0002_staff_handle_messages")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()  # as after `migrate`
    return executor.loader


class MessagesMovedFromCoopSiteTests(TransactionTestCase):
    """A database of before the contact app, its messages in coop_site's tables, migrated forward."""

    def setUp(self):
        self.leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        self.addCleanup(migrate, self.leaves)  # the database ends as it began, whatever happens
        loader = migrate([("contact", None)])
        self.before = loader.project_state([BEFORE_THE_MOVE]).apps
        # The staff groups as coop_site left them (a transactional test before
        # this one may have emptied the database, groups and all).
        self.before.get_model("auth", "Group").objects.get_or_create(name="Editors")
        grant = loader.get_migration(*COOP_SITE_GRANT).operations[0].code
        grant(loader.project_state(COOP_SITE_GRANT, at_end=False).apps, None)

    def test_an_editor_still_reads_and_handles_the_messages_of_before(self):
        message = self.before.get_model("coop_site", "Message").objects.create(
            name="Ana Quispe", email="ana@example.pe", subject="Megacities reports", body="Where is the analysis?"
        )
        editor = get_user_model().objects.create_user("editor", "editor@example.gov", "a long passphrase", is_staff=True)
        editor.groups.set(Group.objects.filter(name="Editors"))
        content_type = self.before.get_model("contenttypes", "ContentType").objects.get(app_label="coop_site",
                                                                                          model="message")
        LogEntry.objects.create(user=editor, content_type_id=content_type.pk, object_id=str(message.pk),
                                object_repr="Megacities reports", action_flag=CHANGE, change_message="Marked handled.")

        migrate(self.leaves)

        self.assertEqual(list(Message.objects.values_list("pk", "subject")), [(message.pk, "Megacities reports")])
        self.client.force_login(editor)
        self.assertContains(self.client.get(reverse("admin:contact_message_changelist")), "Megacities reports")
        change = reverse("admin:contact_message_change", args=[message.pk])
        self.assertContains(self.client.get(change), "Where is the analysis?")
        self.assertContains(self.client.get(reverse("admin:contact_message_history", args=[message.pk])),
                            "Marked handled.", msg_prefix="the admin's history of the message comes along")
        editor = get_user_model().objects.get(pk=editor.pk)
        self.assertTrue(editor.has_perms(["contact.view_message", "contact.change_message"]))
        self.assertFalse(ContentType.objects.filter(app_label="coop_site", model="message").exists())
