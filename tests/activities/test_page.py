import datetime
import io
import re
from urllib.parse import urlsplit

from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import (
    Activity,
    Heading,
    ItemList,
    LinkList,
    Page,
    PageContact,
    RichText,
    Theme,
    TopOfPage,
)
from core.text import leaves_site
from partners.models import Contact, Partner
from tests.content import load_peru_as_live_version
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml, seed_blocks, text_without_exit_links, words


class PeruPageTests(TestCase):
    """The page as the 2021 snapshot prints it."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def get_page(self):
        response = self.client.get(PERU_PAGE)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        return html, ParsedHtml(html)

    def test_every_block_of_the_archived_page_is_printed_in_order(self):
        html, page = self.get_page()
        main = html[html.index("<main") : html.index("</main>")]
        printed = words(text_without_exit_links(main))
        seed = seed_blocks()
        body = seed[seed.index("EPA Collaboration with Peru") :]
        position = 0
        for block in body:
            found = printed.find(block, position)
            self.assertNotEqual(found, -1, f"not printed (or out of order): {block[:100]!r}")
            position = found + len(block)

    def test_chrome_comes_first_banner_notice_area_then_title(self):
        html, page = self.get_page()
        text = " ".join(page.blocks)
        order = [
            "An official website of the United States government",
            "This is not the current EPA website. To navigate to the current EPA website, please go to www.epa.gov.",
            "This website is historical material reflecting the EPA website as it existed on January 19, 2021. "
            "This website is no longer updated and links to external websites and some internal pages may not work. "
            "More information »",
            "International Cooperation",
            "EPA Collaboration with Peru",
        ]
        text = text[text.index("Skip to main content") :]  # after the <title>
        position = 0
        for fragment in order:
            found = text.find(fragment, position)
            self.assertNotEqual(found, -1, f"missing or out of order: {fragment!r}")
            position = found + len(fragment)
        more = next(link for link in page.links if link["text"] == "More information »")
        self.assertEqual(self.client.get(more["href"]).status_code, 200)
        epa = next(link for link in page.links if link["text"] == "www.epa.gov")
        self.assertEqual(urlsplit(epa["href"]).hostname, "www.epa.gov")

    def test_headings_form_one_outline(self):
        _, page = self.get_page()
        main_headings = page.headings[page.headings.index(("h1", "EPA Collaboration with Peru")) :]
        self.assertEqual([h for h in page.headings if h[0] == "h1"], [("h1", "EPA Collaboration with Peru")])
        self.assertEqual(
            main_headings,
            [
                ("h1", "EPA Collaboration with Peru"),
                ("h2", "Activities"),
                ("h3", "Environmental Governance"),
                ("h3", "Megacities Partnership for the Lima-Callao Region"),
                ("h2", "Past Activities"),
                ("h2", "Agreements and Relevant Documents"),
                ("h2", "Key Partners"),
                ("h2", "Learn More About Peru"),
            ],
        )

    def test_list_lengths_and_kinds(self):
        _, page = self.get_page()
        content_lists = {lst["section"]: (lst["tag"], lst["items"]) for lst in page.lists if "usa-list" in lst["class"]}
        self.assertEqual(content_lists["environmental-governance"], ("ul", 5))
        self.assertEqual(content_lists["megacities-partnership"], ("ol", 3))
        self.assertEqual(content_lists["past-activities"], ("ul", 6))

    def test_december_2017_bullet_keeps_its_printed_text_and_both_activities_exist(self):
        html, page = self.get_page()
        bullet = next(block for block in page.blocks if block.startswith("December 2017:"))
        self.assertIn("Public-private stakeholder workshop.", bullet)
        self.assertTrue(bullet.endswith("on adjudication of environmental cases."))
        self.assertEqual(sum(block.startswith("December 2017:") for block in page.blocks), 1)
        december = Activity.objects.published().filter(date="2017-12-01")
        self.assertEqual(december.count(), 2)

    def test_every_external_link_is_followed_by_an_exit_link(self):
        _, page = self.get_page()
        external = 0
        for index, link in enumerate(page.links):
            if leaves_site(link["href"]):
                external += 1
                following = page.links[index + 1]
                self.assertIn("exit-disclaimer", following["class"], f"no Exit link after {link}")
                self.assertEqual(following["text"], "Exit")
        self.assertEqual(external, 3)  # OEFA twice and the Ministry of Environment
        self.assertEqual(self.client.get("/exit-disclaimer/").status_code, 200)

    def test_key_partners_prints_its_notice_with_the_exit_link(self):
        html, _ = self.get_page()
        section = html[html.index('id="key-partners"') :]
        section = section[: section.index("</section>")]
        self.assertRegex(section, r"The following links exit the site\s*<a class=\"exit-disclaimer\"[^>]*>Exit</a>")

    def test_in_page_links_lead_to_each_section(self):
        html, page = self.get_page()
        nav = html[html.index('class="in-page-links"') :]
        nav = ParsedHtml(nav[: nav.index("</nav>")])
        anchors = [link["href"] for link in nav.links]
        self.assertEqual(len(anchors), 7)
        for anchor in anchors:
            self.assertIn(f'id="{anchor[1:]}"', html)

    def test_the_spanish_name_is_marked_as_spanish(self):
        html, _ = self.get_page()
        self.assertIn('<span lang="es">Organismo de Evaluación y Fiscalización Ambiental</span>', html)

    def test_top_of_page_links_where_the_archive_has_them(self):
        html, page = self.get_page()
        self.assertEqual(sum(block == "Top of Page" for block in page.blocks), 4)
        self.assertEqual(
            [link["href"] for link in page.links if link["text"] == "Top of Page"], ["#main-content"] * 4
        )

    def test_address_without_trailing_slash_redirects(self):
        response = self.client.get(PERU_PAGE.rstrip("/"))
        self.assertRedirects(response, PERU_PAGE, status_code=301)

    def test_home_and_area_index_link_to_the_page(self):
        for address in ("/", "/international-cooperation/"):
            page = ParsedHtml(self.client.get(address).content.decode())
            self.assertIn(PERU_PAGE, [link["href"] for link in page.links], address)

    def test_unknown_page_is_a_404_in_the_site_look(self):
        response = self.client.get("/international-cooperation/epa-collaboration-atlantis/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, "usa-banner", status_code=404)


class PeruPageChangesTests(TestCase):
    """What the page prints after an edit: of the live version, since a snapshot does not change."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    get_page = PeruPageTests.get_page

    def test_contact_block_and_footer(self):
        html, page = self.get_page()
        address = html[html.index("<address>") : html.index("</address>")]
        address = words(re.sub(r"<[^>]+>", " ", address))
        self.assertEqual(
            address,
            "Nadtya Hong U.S. Environmental Protection Agency Office of International and Tribal Affairs (2650R) "
            "1200 Pennsylvania Ave., NW Washington, DC 20460",
        )
        # A live version says when it last changed (here: when it was loaded),
        # not the date its archived copy printed.
        Page.objects.update(last_updated="2020-11-05")
        html, _ = self.get_page()
        loaded = timezone.localtime(Page.history.latest("history_date").history_date)
        self.assertIn(f"Last updated on {loaded:%B} {loaded.day}, {loaded.year}",
                      words(re.sub(r"<[^>]+>", " ", html[html.index("<footer") :])))

    def test_unpublished_activity_is_not_printed(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        activity.status = "draft"
        activity.save()
        html, page = self.get_page()
        self.assertNotIn("Trash Free Waters", html)
        self.assertEqual(
            next(lst for lst in page.lists if lst["section"] == "past-activities")["items"], 5
        )

    def test_an_activitys_first_paragraph_follows_its_date_and_the_others_follow_it(self):
        _, page = self.get_page()
        raura = next(block for block in page.blocks if block.startswith("March 2020:"))
        self.assertTrue(raura.startswith("March 2020: EPA Region 9 staff participated"), "one paragraph: one block")
        Activity.objects.filter(slug="peru-2020-03-raura-mine-inspections-webinar").update(
            text="<p>EPA Region 9 met <strong>OEFA</strong>.</p><p>A second meeting followed.</p>"
        )
        Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").update(
            text="<p>A pilot in Chincha.</p><p>It went on in 2017.</p><p>And in 2018.</p>"
        )
        html, page = self.get_page()
        blocks = page.blocks
        at = blocks.index("March 2020: EPA Region 9 met OEFA.")
        self.assertEqual(blocks[at + 1], "A second meeting followed.")
        at = blocks.index("September 2016: A pilot in Chincha.")
        self.assertEqual(blocks[at + 1 : at + 3], ["It went on in 2017.", "And in 2018."])
        self.assertEqual(next(lst for lst in page.lists if lst["section"] == "past-activities")["items"], 6,
                         "still one item of the list")
        for slug in ("peru-2020-03-raura-mine-inspections-webinar", "peru-2016-09-marine-litter-pilot"):
            self.assertEqual(html.count(f'id="{slug}"'), 1)

    def test_a_heading_removed_from_the_body_goes_from_the_page_and_its_in_page_links(self):
        Heading.objects.filter(anchor="megacities-partnership").delete()
        html, page = self.get_page()
        self.assertNotIn("Megacities Partnership for the Lima-Callao Region", html)
        self.assertNotIn("#megacities-partnership", [link["href"] for link in page.links])

    def test_draft_page_is_not_found(self):
        Page.objects.update(status="draft")
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 404)
        self.assertNotIn(PERU_PAGE, self.client.get("/").content.decode())

    def test_a_partners_new_address_and_a_themes_new_name_show_at_once(self):
        self.get_page()  # the body is kept until the content changes
        Partner.objects.filter(slug="oefa").update(url="https://www.oefa.gob.pe/")
        Theme.objects.filter(slug="mercury").update(name="Mercury and its compounds")
        html, page = self.get_page()
        self.assertIn("https://www.oefa.gob.pe/", [link["href"] for link in page.links])
        self.assertIn("Mercury and its compounds", [link["text"] for link in page.links])


def page_of_blocks(count):
    """A published page of ``count`` blocks of every kind, in turn."""
    page = Page.objects.create(slug=f"page-of-{count}", title=f"A page of {count} blocks", status="published")
    contact = Contact.objects.create(slug=f"contact-{count}", name="A. Person", address="1 Main St.")
    theme = Theme.objects.create(slug=f"theme-{count}", name=f"Theme {count}")
    kinds = [
        lambda n: Heading(level=2 + n % 3, text=f"Heading {n}", anchor=f"heading-{n}"),
        lambda n: RichText(text=f'<p>Text {n} with <a href="https://www.example.org/{n}">a link</a>.</p>'),
        lambda n: ItemList(items=f"<ul><li>Item {n}<ul><li>under it</li></ul></li><li>Another</li></ul>"),
        lambda n: Activity(slug=f"activity-{count}-{n}", text=f"Activity {n}.", date=datetime.date(2020, 1, 1),
                           status="published"),
        lambda n: LinkList(label="On this page:", from_headings=True),
        lambda n: PageContact(lead="Contact:", contact=contact),
        lambda n: TopOfPage(),
    ]
    blocks = [kinds[n % len(kinds)](n) for n in range(count)]
    for ordering, block in enumerate(blocks):
        block.page, block.ordering = page, ordering
    for model in {type(block) for block in blocks}:
        model.objects.bulk_create([block for block in blocks if type(block) is model])
    Activity.themes.through.objects.bulk_create(
        Activity.themes.through(activity=activity, theme=theme) for activity in page.activities.all()
    )
    return page


class PageQueryBudgetTests(TestCase):
    def queries(self, address):
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address)
        self.assertEqual(response.status_code, 200)
        return len(captured), response

    def test_a_page_costs_the_same_few_queries_with_10_and_500_blocks(self):
        counts = {}
        for count in (10, 500):
            address = page_of_blocks(count).get_absolute_url()
            made, _ = self.queries(address)  # the body is made and kept
            kept, response = self.queries(address)  # then fetched
            counts[count] = (made, kept)
            self.assertContains(response, f"Heading {count - count % 7 - 7}")
        self.assertEqual(counts[10], counts[500])
        self.assertLessEqual(counts[500][1], 6, "an unchanged page's body is fetched, not made again")


class PeruPageListingLinksTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def test_each_printed_date_links_to_its_year_listing_which_lists_the_activity(self):
        html = self.client.get(PERU_PAGE).content.decode()
        dated = Activity.objects.published().filter(printed_in__isnull=True, date__isnull=False)
        self.assertEqual(dated.count(), 8)
        for activity in dated:
            item = re.search(rf'id="{activity.slug}">(.*?)</(li|p)>', html, re.S).group(1)
            year_link = f'<a class="activity__date" href="/activities/{activity.date.year}/">{activity.date:%B %Y}</a>:'
            self.assertTrue(item.startswith(year_link), activity.slug)
            self.assertContains(self.client.get(f"/activities/{activity.date.year}/"), activity.get_absolute_url())

    def test_each_theme_of_a_printed_activity_links_to_its_listing(self):
        page = ParsedHtml(self.client.get(PERU_PAGE).content.decode())
        hrefs = [link["href"] for link in page.links]
        for activity in Activity.objects.published().filter(printed_in__isnull=True).prefetch_related("themes"):
            for theme in activity.themes.all():
                address = f"/activities/theme/{theme.slug}/"
                self.assertIn(address, hrefs, activity.slug)
                self.assertContains(self.client.get(address), activity.get_absolute_url())
        self.assertIn("Find this page's activities by year: 2020, 2019, 2018, 2017, 2016", page.blocks)
