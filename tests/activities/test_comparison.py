"""How two versions of a page are matched up, block by block: small pages made in the test, no database."""

import datetime

from django.template.loader import render_to_string
from django.test import SimpleTestCase

from activities.comparison import compare_pages
from activities.models import Activity, Heading, ItemList, Page, RichText, TopOfPage
from activities.selectors import PageContent
from tests.html import ParsedHtml


def page(*blocks, title="EPA Collaboration with Peru"):
    return PageContent(page=Page(title=title, slug="peru"), blocks=list(blocks))


def heading(anchor, text, level=2):
    return Heading(anchor=anchor, text=text, level=level)


def activity(slug, text, **fields):
    return Activity(slug=slug, text=text, **fields)


def shown(comparison):
    """What the comparison marks, as a reader sees it: (part heading, mark, [(block mark, notes, words)])."""
    return [
        (
            " ".join(text for _, text in part.heading.runs), part.mark,
            [(block.kind, block.notes, " ".join(text for _, text in block.words.runs)) for block in part.shown_blocks],
        )
        for part in comparison.shown_parts
    ]


class BlockMatchingTests(SimpleTestCase):
    def test_a_text_removed_and_the_next_one_edited_are_one_removed_and_one_changed(self):
        older = page(heading("a", "A"), RichText(text="First paragraph, soon gone."),
                     RichText(text="Second paragraph about air quality in Lima."))
        newer = page(heading("a", "A"), RichText(text="Second paragraph about water quality in Lima."))
        (_, mark, blocks), = shown(compare_pages(older, newer))
        self.assertIsNone(mark)
        self.assertEqual([kind for kind, _, _ in blocks], ["removed", "changed"])
        self.assertEqual(blocks[1][2], "Second paragraph about air water quality in Lima.")

    def test_a_text_rewritten_in_its_place_is_changed(self):
        older = page(RichText(text="Our work with Peru."), TopOfPage())
        newer = page(RichText(text="Everything else entirely."), TopOfPage())
        (_, _, blocks), = shown(compare_pages(older, newer))
        self.assertEqual([(kind, words) for kind, _, words in blocks],
                         [("changed", "Our work with Peru. Everything else entirely.")])

    def test_an_activity_is_matched_by_its_slug_and_its_printed_date_counts(self):
        older = page(activity("webinar", "A webinar.", date=datetime.date(2020, 3, 1)))
        newer = page(activity("webinar", "A webinar.", date=datetime.date(2020, 4, 1)),
                     activity("other", "A webinar."))
        (_, _, blocks), = shown(compare_pages(older, newer))
        self.assertEqual([(kind, words) for kind, _, words in blocks],
                         [("changed", "March April 2020: A webinar."), ("added", "A webinar.")])

    def test_what_changes_besides_words_is_said(self):
        older = page(activity("one", "One."), ItemList(items="<ul><li>Air</li><li>Water</li></ul>"))
        newer = page(activity("one", "One.", display=Activity.Display.PARAGRAPH),
                     ItemList(items="<ol><li>Air</li><li>Water</li></ol>"))
        (_, _, blocks), = shown(compare_pages(older, newer))
        self.assertEqual([notes for _, notes, _ in blocks], [
            ["now a paragraph, was an item of a bulleted list"], ["now a numbered list, was a bulleted list"],
        ])

    def test_blocks_in_another_order_are_marked_as_moved(self):
        older = page(activity("one", "One."), activity("two", "Two."), activity("three", "Three."))
        newer = page(activity("three", "Three."), activity("one", "One."), activity("two", "Two."))
        (_, _, blocks), = shown(compare_pages(older, newer))
        self.assertEqual(blocks, [("changed", ["moved within this part"], "Three.")])

    def test_unchanged_versions_mark_nothing(self):
        blocks = [RichText(text="Opening."), heading("a", "A"), activity("one", "One."), TopOfPage()]
        comparison = compare_pages(page(*blocks), page(*blocks))
        self.assertFalse(comparison.changed)
        self.assertEqual(comparison.counts, {"added": 0, "removed": 0, "changed": 0})


class PartTests(SimpleTestCase):
    def test_parts_are_matched_by_anchor_and_a_new_anchor_is_a_new_part(self):
        older = page(heading("news", "News"), RichText(text="Our news."))
        newer = page(heading("updates", "News"), RichText(text="Our news."))
        self.assertEqual(shown(compare_pages(older, newer)), [
            ("News", "added", [("added", ["moved from “News”"], "Our news.")]),
            ("News", "removed", [("removed", ["moved to “News”"], "Our news.")]),
        ])

    def test_a_heading_made_an_h3_or_moved_marks_its_part_changed(self):
        older = page(heading("a", "A"), heading("b", "B"), heading("c", "C"))
        newer = page(heading("a", "A", level=3), heading("c", "C"), heading("b", "B"))
        parts = compare_pages(older, newer).shown_parts
        self.assertEqual([(part.anchor, part.mark, part.notes) for part in parts], [
            ("a", "changed", ["Its heading is now an h3 (it was an h2)."]),
            ("c", "changed", ["The part moved to another place on the page."]),
        ])

    def test_a_heading_put_before_the_end_of_a_part_takes_the_blocks_after_it(self):
        older = page(heading("a", "Agreements"), RichText(text="The TPA."), TopOfPage())
        newer = page(heading("a", "Agreements"), RichText(text="The TPA."), heading("n", "News"), TopOfPage())
        self.assertEqual(shown(compare_pages(older, newer)), [
            ("Agreements", None, [("removed", ["moved to “News”"], "Top of Page")]),
            ("News", "added", [("added", ["moved from “Agreements”"], "Top of Page")]),
        ])

    def test_the_opening_is_headed_by_the_title(self):
        older = page(RichText(text="Opening."), heading("a", "A"))
        newer = page(RichText(text="Opening."), heading("a", "A"), title="EPA and Peru")
        comparison = compare_pages(older, newer)
        self.assertEqual(shown(comparison), [("EPA Collaboration with and Peru", "changed", [])])
        html = render_to_string("activities/includes/comparison.html", {"comparison": comparison})
        self.assertEqual(ParsedHtml(html).headings, [("h2", "Page title and opening Title changed")])
        self.assertIn("0 added, 0 removed, 1 changed.", html)
        self.assertEqual(ParsedHtml(html).lists, [], "no list without an item")
