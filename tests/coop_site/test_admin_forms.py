"""What every content model's admin form tells staff: constraints in words,
help texts as written, slugs filled from titles."""

import io
import json
from html.parser import HTMLParser

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import BaseConstraint
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from activities.models import BLOCK_TYPES, Activity, Heading, Page, Theme
from partners.models import Agreement, Contact, Partner
from tests.html import SNAPSHOT, words

CONTENT_APPS = ("activities", "partners")
ADMIN_FORMS = (Page, Activity, Theme, Partner, Agreement, Contact)


def content_models():
    return [model for app in CONTENT_APPS for model in apps.get_app_config(app).get_models()
            if not model.__name__.startswith("Historical")]


class HelpTexts(HTMLParser):
    """The help texts of an admin form as staff see them: ``shown`` maps
    (inline group or None, field name) to the text under each field;
    ``tooltips``, a tabular inline's column name to its heading's tooltip."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.shown, self.tooltips = {}, {}
        self._divs = []  # the open <div>s: (inline group, field name, is a help text)
        self._column = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div":
            group, field, _ = self._divs[-1] if self._divs else (None, None, False)
            if "inline-group" in classes:
                group = attrs["id"].removesuffix("-group")
            field = next((c.removeprefix("field-") for c in classes if c.startswith("field-")), field)
            self._divs.append((group, field, "help" in classes))
            if "help" in classes:
                self.shown[group, field] = ""
        if tag == "th":
            self._column = next((c.removeprefix("column-") for c in classes if c.startswith("column-")), None)
        if tag == "img" and "help-tooltip" in classes and self._column:
            self.tooltips[self._column] = attrs["title"]

    def handle_endtag(self, tag):
        if tag == "div" and self._divs:
            group, field, is_help = self._divs.pop()
            if is_help:
                self.shown[group, field] = words(self.shown[group, field])

    def handle_data(self, data):
        helps = [(group, field) for group, field, is_help in self._divs if is_help]
        if helps:
            self.shown[helps[0]] += data

    def of(self, group=None):
        """The help texts of the form (or of one inline group), by field name."""
        return {field: text for (where, field), text in self.shown.items() if where == group}


class PrepopulatedFields(HTMLParser):
    """Which fields the admin's script fills from which: {"#id_slug": ["#id_title"]}."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.fields = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "django-admin-prepopulated-fields-constants":
            for field in json.loads(attrs["data-prepopulated-fields"]):
                self.fields[field["id"]] = field["dependency_ids"]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class ConstraintMessageTests(SimpleTestCase):
    def test_every_constraint_of_the_content_models_explains_itself_in_words(self):
        constraints = [(model, constraint) for model in content_models() for constraint in model._meta.constraints]
        self.assertGreaterEqual(len(constraints), 6)
        for model, constraint in constraints:
            with self.subTest(model=model.__name__, constraint=constraint.name):
                message = constraint.get_violation_error_message()
                self.assertNotEqual(constraint.violation_error_message, BaseConstraint.default_violation_error_message)
                self.assertNotIn(constraint.name, message)
                self.assertRegex(message, r"^[A-Z].* .*\.$", "a sentence")


class AdminFormTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.snapshot = Page.objects.get()
        cls.admin = get_user_model().objects.create_superuser("admin", "admin@example.gov", "a long passphrase")

    def setUp(self):
        self.client.force_login(self.admin)

    def page(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def help_texts(self, model, names):
        return {name: model._meta.get_field(name).help_text for name in names
                if getattr(model._meta.get_field(name), "help_text", "")}


class HelpTextTests(AdminFormTestCase):
    def test_every_add_form_shows_the_models_help_texts_as_written(self):
        for model in ADMIN_FORMS:
            with self.subTest(model=model.__name__):
                shown = HelpTexts(self.page(admin_url(model, "add"))).of()
                self.assertEqual(shown, self.help_texts(model, shown), "each help text as the model says it")
                expected = {field.name for field in model._meta.get_fields() if getattr(field, "help_text", "")}
                self.assertEqual(set(shown), expected, "no help text left out")

    def test_a_snapshots_read_only_forms_show_them_as_written_too(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        for model, obj in ((Page, self.snapshot), (Activity, activity)):
            with self.subTest(model=model.__name__):
                shown = HelpTexts(self.page(admin_url(model, "change", obj.pk))).of()
                self.assertEqual(shown, self.help_texts(model, shown))
                self.assertIn("slug", shown)
        self.assertEqual(shown["slug"], "The activity's address, /activities/<slug>/; unique to its page.")

    def test_the_block_inlines_of_the_page_form_show_them_as_written(self):
        for page in (self.snapshot, Page.objects.create(slug="blocks", title="Blocks")):
            help_texts = HelpTexts(self.page(admin_url(Page, "change", page.pk)))
            for model in BLOCK_TYPES:
                prefix = "activities" if model is Activity else f"{model._meta.model_name}_blocks"
                with self.subTest(page=str(page), block=model.__name__):
                    shown = help_texts.of(prefix)
                    self.assertEqual(shown, self.help_texts(model, shown))
            self.assertEqual(help_texts.of("activities")["slug"],
                             "The activity's address, /activities/<slug>/; unique to its page.")
            self.assertIn("anchor", help_texts.of("heading_blocks"))


class PrepopulatedSlugTests(AdminFormTestCase):
    def test_each_add_form_fills_its_slug_from_the_title_or_name(self):
        expected = {
            Page: {"#id_slug": ["#id_title"]},
            Activity: {"#id_slug": ["#id_title"]},
            Theme: {"#id_slug": ["#id_name"]},
            Partner: {"#id_slug": ["#id_name"]},
            Agreement: {"#id_slug": ["#id_title"]},
            Contact: {"#id_slug": ["#id_name"]},
        }
        for model, fields in expected.items():
            with self.subTest(model=model.__name__):
                filled = PrepopulatedFields(self.page(admin_url(model, "add"))).fields
                self.assertEqual({name: sources for name, sources in filled.items() if "-" not in name}, fields)

    def test_a_new_heading_on_the_page_form_fills_its_anchor_from_its_text(self):
        live = Page.objects.create(slug="headings", country="Peru", title="Headings")
        Heading.objects.create(page=live, ordering=10, text="Activities", anchor="activities")
        for url in (admin_url(Page, "change", live.pk), admin_url(Page, "add")):
            with self.subTest(url=url):
                fields = PrepopulatedFields(self.page(url)).fields
                self.assertEqual(fields["#id_heading_blocks-__prefix__-anchor"], ["#id_heading_blocks-__prefix__-text"])
                self.assertNotIn("#id_heading_blocks-0-anchor", fields, "a saved heading's anchor stays as it is")
