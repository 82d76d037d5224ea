"""The Mexico and Latin America and Caribbean pages of the 2021-01-19 snapshot,
whose archived copies kept only their openings."""

import io
import re

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from activities.models import Activity, ItemList, Page
from tests.html import ParsedHtml, text_without_exit_links, words

FIXTURES = settings.BASE_DIR / "fixtures"
TEXTS = settings.BASE_DIR / "tests" / "fixtures"
MEXICO = "/international-cooperation/epa-collaboration-mexico/"
LATIN_AMERICA = "/international-cooperation/epa-efforts-latin-america-and-caribbean/"


def archived_blocks(name, title):
    """The page's text blocks from its title on, as the archive kept them:
    list markers and "Exit" link markers taken out, and the block the archive
    cut off in the middle of a word left out (its words are not all there)."""
    blocks = []
    for line in (TEXTS / name).read_text(encoding="utf-8").split("\n"):
        line = words(re.sub(r"^\s*(•|\d+\.) ", "", line))
        line = words(re.sub(r"\bExit(?=[a-z(]|\s|$)", " ", line))
        if line and "[TRUNCATED]" not in line:
            blocks.append(line)
    return blocks[blocks.index(title):]


class OtherPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for name in ("mexico-2021-01-19.json", "latin-america-and-caribbean-2021-01-19.json"):
            call_command("load_snapshot", str(FIXTURES / name), stdout=io.StringIO())

    def printed(self, address):
        response = self.client.get(address)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        return html, words(text_without_exit_links(html[html.index("<main") : html.index("</main>")]))

    def assert_every_word_in_order(self, address, name, title):
        for at in (address, address.replace("/international-cooperation/", "/archive/2021-01-19/international-cooperation/")):
            _, printed = self.printed(at)
            position = 0
            for block in archived_blocks(name, title):
                found = printed.find(block, position)
                self.assertNotEqual(found, -1, f"{at}: not printed (or out of order): {block[:100]!r}")
                position = found + len(block)

    def test_mexico_prints_every_word_of_its_archived_opening_in_order(self):
        self.assert_every_word_in_order(MEXICO, "epa-collaboration-mexico.txt", "EPA Collaboration with Mexico")

    def test_latin_america_prints_every_word_of_its_archived_opening_in_order(self):
        self.assert_every_word_in_order(
            LATIN_AMERICA, "epa-efforts-latin-america-and-caribbean.txt", "EPA Efforts in Latin America and the Caribbean"
        )

    def test_mexico_goals_are_a_plain_list_not_activities(self):
        html, _ = self.printed(MEXICO)
        page = ParsedHtml(html)
        self.assertIn("Goal 1: Reduce Air Pollution", page.blocks)
        goals = next(lst for lst in page.lists if "usa-list" in lst["class"])
        self.assertEqual((goals["tag"], goals["items"]), ("ul", 5))
        self.assertFalse(Activity.objects.filter(page__slug="epa-collaboration-mexico").exists())
        listing = self.client.get("/activities/").content.decode()
        self.assertNotIn("Goal 1", listing)
        self.assertNotIn("Border 2020 Program", listing)

    def test_lost_link_targets_are_printed_as_words(self):
        html, _ = self.printed(MEXICO)
        page = ParsedHtml(html)
        self.assertIn("Explore our work:", page.blocks)
        self.assertIn("Border 2020 Program", page.blocks)
        self.assertNotIn("Border 2020 Program", [link["text"] for link in page.links])

    def test_latin_america_keeps_the_labels_of_its_two_link_lists(self):
        html, _ = self.printed(LATIN_AMERICA)
        page = ParsedHtml(html)
        labels = [block for block in page.blocks if block in ("On this page:", "On other pages:")]
        self.assertEqual(labels, ["On this page:", "On other pages:"])
        self.assertEqual(html.count('class="in-page-links"'), 2)

    def test_the_dated_item_is_an_activity_found_by_its_year_and_theme(self):
        activity = Activity.objects.get(slug="lac-2018-09-redlafica-annual-meeting")
        html, printed = self.printed(LATIN_AMERICA)
        self.assertIn("September 2018: EPA participated in the annual meeting", printed)
        for listing in ("/activities/2018/", "/activities/theme/enforcement-and-compliance/"):
            self.assertContains(self.client.get(listing), activity.get_absolute_url())
        self.assertContains(self.client.get(activity.get_absolute_url()), "REDLAFICA annual meeting in Washington, D.C.")

    def test_both_are_marked_partial_in_their_provenance(self):
        for page in Page.objects.all():
            self.assertIn("Partial", page.provenance_note, page)
        cut = ItemList.objects.get(page__slug="epa-collaboration-mexico", ordering=50)
        self.assertIn("North American Develo", cut.provenance_note)

    def test_the_index_groups_pages_by_kind(self):
        page = ParsedHtml(self.client.get("/international-cooperation/").content.decode())
        headings = [text for level, text in page.headings if level in ("h2", "h3")]
        self.assertEqual(headings, [
            "Countries", "EPA Collaboration with Mexico", "Regions", "EPA Efforts in Latin America and the Caribbean",
        ])
        self.assertEqual(Page.objects.get(slug="epa-efforts-latin-america-and-caribbean").country, "")
