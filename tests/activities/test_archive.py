import datetime
import io
import re
from html import unescape

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Heading, Page, RichText
from activities.selectors import page_blocks
from core.services import for_each, publish, unpublish
from tests.content import LITTER, RAURA, staff_user
from tests.forms import admin_action, admin_form_data
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml, seed_blocks, text_without_exit_links, words

ARCHIVE_2021 = "/archive/2021-01-19" + PERU_PAGE
NOTICE = "This is not the current EPA website."


def title_of(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1]


def rewrite_opening(page, text):
    RichText.objects.filter(pk=RichText.objects.filter(page=page).order_by("ordering")[0].pk).update(text=text)


def link_texts(response):
    return {link["text"]: link["href"] for link in ParsedHtml(response.content.decode()).links}


class VersionsTestCase(TestCase):
    """The 2021 snapshot, loaded from its fixture, and a Publisher."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.snapshot = Page.objects.get()
        cls.publisher = staff_user("publisher", "Publishers")
        cls.editor = staff_user("editor", "Editors")

    def start_published_live_version(self, opening=None, **changes):
        """The live version, published, with ``changes`` to the page and its
        first text (the page's opening words) rewritten as ``opening``."""
        live = services.start_live_version(self.snapshot, user=self.publisher)
        Page.objects.filter(pk=live.pk).update(**changes)
        if opening is not None:
            rewrite_opening(live, opening)
        return publish(live, user=self.publisher)

    def live_activity(self, slug):
        return Activity.objects.get(slug=slug, page__archived_on=None)


class ArchiveAddressTests(VersionsTestCase):
    def test_with_no_live_version_the_page_address_shows_the_newest_snapshot_marked_as_archived(self):
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, NOTICE)
        self.assertContains(response, "as it existed on January 19, 2021")
        self.assertIn("(archived January 19, 2021)", title_of(response))
        # It is the current version: no link to another one.
        self.assertNotIn("Go to the current version of this page", link_texts(response))

    def test_a_snapshot_has_its_own_address_with_notice_and_title_marker(self):
        response = self.client.get(ARCHIVE_2021)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, NOTICE, count=1)
        self.assertIn("(archived January 19, 2021)", title_of(response))
        # The only version is the current one: no link to "the current version", which is itself.
        self.assertNotIn("Go to the current version of this page", link_texts(response))

    def test_every_page_links_the_archive_from_its_footer_and_versions_line(self):
        for address in (PERU_PAGE, ARCHIVE_2021, "/activities/", "/partners/", "/about-this-archive/"):
            self.assertEqual(link_texts(self.client.get(address))["Past versions of these pages"], "/archive/", address)
        html = self.client.get(PERU_PAGE).content.decode()
        versions = html[html.index('<nav class="page-versions"'):]
        versions = versions[: versions.index("</nav>")]
        self.assertIn("January 19, 2021 (this one)", versions)
        self.assertIn('<a class="usa-link" href="/archive/">every version in the archive</a>', versions)

    def test_the_archived_page_prints_every_block_of_the_seed_in_order(self):
        html = self.client.get(ARCHIVE_2021).content.decode()
        printed = words(text_without_exit_links(html[html.index("<main") : html.index("</main>")]))
        seed = seed_blocks()
        position = 0
        for block in seed[seed.index("EPA Collaboration with Peru") :]:
            found = printed.find(block, position)
            self.assertNotEqual(found, -1, f"not printed (or out of order): {block[:100]!r}")
            position = found + len(block)

    def test_a_live_version_takes_the_page_address_and_carries_no_notice_nor_marker(self):
        self.start_published_live_version(opening="Our work with Peru, as it is today.")
        live = self.client.get(PERU_PAGE)
        self.assertContains(live, "Our work with Peru, as it is today.")
        self.assertNotContains(live, NOTICE)
        self.assertNotIn("archived", title_of(live))
        archived = self.client.get(ARCHIVE_2021)
        self.assertNotContains(archived, "as it is today")
        self.assertContains(archived, "as it existed on January 19, 2021")
        self.assertEqual(link_texts(archived)["Go to the current version of this page"], PERU_PAGE)
        versions = link_texts(live)
        self.assertEqual(versions["January 19, 2021"], ARCHIVE_2021)

    def test_a_live_version_says_when_it_last_changed_in_its_footer_and_the_sitemap(self):
        def footer_date(address):
            html = self.client.get(address).content.decode()
            return re.search(r"Last updated on ([^<]+)</p>", html[html.index("<footer"):])[1]

        archived_date = footer_date(ARCHIVE_2021)
        self.start_published_live_version()
        raura = self.live_activity(RAURA)
        raura.text += " More."
        raura.save()
        changed = Activity.history.filter(id=raura.pk).latest("history_date").history_date
        today = timezone.localtime(changed)
        self.assertEqual(footer_date(PERU_PAGE), f"{today:%B} {today.day}, {today.year}")
        self.assertEqual(footer_date(ARCHIVE_2021), archived_date, "a snapshot keeps its archive's date")
        sitemap = self.client.get("/sitemap-current-pages.xml").content.decode()
        entry = sitemap[sitemap.index(f"<loc>http://testserver{PERU_PAGE}</loc>"):]
        self.assertEqual(re.search(r"<lastmod>([^<]+)</lastmod>", entry)[1], changed.date().isoformat())

    def test_every_page_has_a_description_open_graph_tags_and_one_canonical_link(self):
        for address, canonical in (
            (PERU_PAGE, PERU_PAGE), (ARCHIVE_2021, ARCHIVE_2021), ("/activities/", "/activities/"),
            ("/activities/2019/?theme=adjudication", "/activities/2019/?theme=adjudication"),
            ("/activities/peru-2020-03-raura-mine-inspections-webinar/",
             "/activities/peru-2020-03-raura-mine-inspections-webinar/"),
            ("/partners/oefa/", "/partners/oefa/"), ("/archive/", "/archive/"), ("/", "/"),
        ):
            html = self.client.get(address).content.decode()
            head = html[: html.index("</head>")]
            self.assertEqual(re.findall(r'<link rel="canonical" href="([^"]+)">', head),
                             [f"http://testserver{canonical}"], address)
            description = re.search(r'<meta name="description" content="([^"]+)">', head)[1]
            self.assertGreater(len(description), 40, address)
            self.assertLessEqual(len(description), 300, address)
            for tag in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
                self.assertIn(f'<meta property="{tag}" content="', head, (address, tag))
            self.assertIn('<meta name="twitter:card" content="summary">', head)
        self.assertNotIn('rel="canonical"', self.client.get("/no-such-page/").content.decode())

    def test_a_pages_description_is_its_own_or_the_start_of_its_introduction(self):
        def description(address):
            html = self.client.get(address).content.decode()
            return unescape(re.search(r'<meta name="description" content="([^"]+)">', html)[1])

        opening = description(PERU_PAGE)
        self.assertTrue(opening.startswith("The U.S.-Peru Trade Promotion Agreement (TPA) entered into force"), opening)
        self.assertTrue(opening.endswith("…"), opening)
        self.assertLessEqual(len(opening), 160)
        self.start_published_live_version(meta_description="How EPA works with Peru on air, water and mercury.")
        self.assertEqual(description(PERU_PAGE), "How EPA works with Peru on air, water and mercury.")
        self.assertEqual(description(ARCHIVE_2021), opening, "the snapshot keeps its own")

    def test_a_draft_live_version_is_for_staff_only(self):
        live = services.start_live_version(self.snapshot, user=self.publisher)
        rewrite_opening(live, "A draft introduction.")
        self.assertNotContains(self.client.get(PERU_PAGE), "A draft introduction.")
        self.client.force_login(self.editor)
        preview = self.client.get(PERU_PAGE)
        self.assertContains(preview, "A draft introduction.")
        self.assertContains(preview, "Draft, not public.")

    def test_unknown_or_impossible_dates_are_404(self):
        for address in (
            "/archive/2020-01-19" + PERU_PAGE,
            "/archive/2021-02-30" + PERU_PAGE,
            "/archive/2021-1-19" + PERU_PAGE,
            "/archive/2021-01-19/international-cooperation/epa-collaboration-chile/",
        ):
            with self.subTest(address=address):
                self.assertEqual(self.client.get(address).status_code, 404)

    def test_archived_dates_link_nowhere_and_listings_are_not_offered(self):
        page = self.client.get(ARCHIVE_2021).content.decode()
        self.assertIn("March 2020: ", text_without_exit_links(page))
        self.assertNotIn('href="/activities/2020/"', page)
        self.assertNotIn("Find this page's activities", page)

    def test_the_archive_index_lists_every_version_with_a_way_to_compare(self):
        self.start_published_live_version()
        links = link_texts(self.client.get("/archive/"))
        self.assertEqual(links["As it stood on January 19, 2021"], ARCHIVE_2021)
        self.assertEqual(links["Live version"], PERU_PAGE)
        self.assertEqual(
            links["What changed since January 19, 2021"],
            "/archive/compare/?page=epa-collaboration-peru&from=2021-01-19&to=live",
        )

    def test_the_sitemap_names_the_page_address_and_each_snapshot(self):
        self.start_published_live_version()
        index = self.client.get("/sitemap.xml").content.decode()
        addresses = []
        for section in re.findall(r"<loc>http://testserver(/sitemap-[\w-]+\.xml)</loc>", index):
            addresses += re.findall(r"<loc>http://testserver([^<]*)</loc>", self.client.get(section).content.decode())
        self.assertEqual(addresses.count(PERU_PAGE), 1)
        self.assertEqual(addresses.count(ARCHIVE_2021), 1)


class CurrentVersionListingTests(VersionsTestCase):
    def test_listings_feeds_and_detail_pages_offer_the_current_version_once(self):
        self.start_published_live_version()
        live_raura = self.live_activity(RAURA)
        Activity.objects.filter(pk=live_raura.pk).update(text="Raura Mine webinar, as rewritten today.")
        listing = self.client.get("/activities/2020/").content.decode()
        self.assertEqual(listing.count(f'href="/activities/{RAURA}/"'), 1)
        self.assertContains(self.client.get(f"/activities/{RAURA}/"), "as rewritten today")
        self.assertContains(self.client.get("/activities/feed/"), "as rewritten today")
        # Each activity once, however many versions hold it.
        public = Activity.objects.published().filter(page__archived_on=None).count()
        self.assertEqual(Activity.objects.published().count(), 2 * public)
        self.assertContains(self.client.get("/activities/"), f"<strong>{public} activities</strong>")


class SnapshotCommandTests(VersionsTestCase):
    def test_snapshot_freezes_what_the_public_sees_of_the_live_version(self):
        live = self.start_published_live_version(opening="Our work with Peru in 2026.")
        Activity.objects.filter(pk=self.live_activity(RAURA).pk).update(status="draft")
        out = io.StringIO()
        call_command("snapshot", "peru", "--date", "2026-11-25", "--user", "publisher", stdout=out)
        self.assertIn("/archive/2026-11-25" + PERU_PAGE, out.getvalue())
        frozen = Page.objects.get(archived_on=datetime.date(2026, 11, 25))
        self.assertTrue(frozen.is_published)
        self.assertEqual(
            [(type(block), block.ordering) for block in page_blocks(frozen)],
            [(type(block), block.ordering) for block in page_blocks(live)
             if not (isinstance(block, Activity) and block.slug == RAURA)],
            "every block the public sees, in order",
        )
        # The draft was not public, so it is not in the archive.
        self.assertFalse(frozen.activities.filter(slug=RAURA).exists())
        self.assertEqual(frozen.activities.count(), live.activities.count() - 1)
        for activity in frozen.activities.all():
            original = self.live_activity(activity.slug)
            self.assertEqual(set(activity.themes.all()), set(original.themes.all()), activity.slug)
            self.assertEqual(set(activity.partners.all()), set(original.partners.all()), activity.slug)
        self.assertTrue(frozen.activities.filter(themes__isnull=False).exists())
        printed_inside = frozen.activities.get(slug="peru-2017-12-adjudication-workshop")
        self.assertEqual(printed_inside.printed_in.page, frozen)
        self.assertEqual(frozen.history.earliest().history_user, self.publisher)
        self.assertTrue(LogEntry.objects.filter(object_id=str(frozen.pk), user=self.publisher).exists())
        response = self.client.get("/archive/2026-11-25" + PERU_PAGE)
        self.assertContains(response, "Our work with Peru in 2026.")
        self.assertContains(response, "as it existed on November 25, 2026")
        self.assertNotContains(response, "Raura Mine")
        # The live version is unchanged, draft included, and keeps the page address.
        self.assertEqual(self.live_activity(RAURA).status, "draft")
        self.assertNotContains(self.client.get(PERU_PAGE), NOTICE)

    def test_an_activity_is_printed_inside_one_of_its_own_version(self):
        self.start_published_live_version()
        live = self.live_activity("peru-2017-12-adjudication-workshop")
        live.printed_in = Activity.objects.get(slug=live.printed_in.slug, page=self.snapshot)
        with self.assertRaisesMessage(ValidationError, "Choose an activity of the same version of the page."):
            live.full_clean()

    def test_snapshot_refuses_clearly_and_changes_nothing(self):
        cases = [
            (["peru", "--date", "2026-11-25"], "No page “peru” dated live"),
            (["chile", "--date", "2026-11-25"], "No page “chile”"),
            (["peru", "--date", "25/11/2026"], "is not a date"),
            (["peru", "--user", "nobody"], "there is no user 'nobody'"),
        ]
        for arguments, message in cases:
            with self.subTest(arguments=arguments), self.assertRaisesMessage(CommandError, message):
                call_command("snapshot", *arguments, stdout=io.StringIO())
        self.start_published_live_version()
        before = Page.objects.count()
        with self.assertRaisesMessage(CommandError, "already has a snapshot dated 2021-01-19"):
            call_command("snapshot", "peru", "--date", "2021-01-19", stdout=io.StringIO())
        with self.assertRaisesMessage(CommandError, "Only Publishers may make a snapshot"):
            call_command("snapshot", "peru", "--user", "editor", stdout=io.StringIO())
        self.assertEqual(Page.objects.count(), before)


class SnapshotAdminTests(VersionsTestCase):
    def change_url(self, obj):
        return reverse(f"admin:activities_{obj._meta.model_name}_change", args=[obj.pk])

    def test_a_snapshot_and_its_parts_are_shown_but_not_editable(self):
        activity = Activity.objects.get(slug=RAURA)
        for user in (self.editor, self.publisher):
            self.client.force_login(user)
            for obj in (self.snapshot, activity):
                with self.subTest(user=user.username, obj=obj):
                    page = self.client.get(self.change_url(obj))
                    self.assertEqual(page.status_code, 200)
                    self.assertContains(page, "Raura Mine" if obj is activity else obj.title)
                    self.assertNotContains(page, 'name="_save"')
                    self.assertEqual(self.client.post(self.change_url(obj), {"title": "Changed"}).status_code, 403)
        self.assertEqual(Page.objects.get().title, "EPA Collaboration with Peru")
        # Its publication is part of what it records, too.
        refused = for_each([self.snapshot, activity], unpublish, user=self.publisher)
        self.assertEqual(len(refused.failed), 2)
        self.assertIn("the snapshot “EPA Collaboration with Peru” of 2021-01-19 is read-only", refused.failed[1][1])
        self.assertTrue(Page.objects.get().is_published)

    def test_a_snapshots_rich_text_is_shown_as_printed_not_as_html(self):
        self.client.force_login(self.editor)
        page = self.client.get(self.change_url(self.snapshot)).content.decode()
        self.assertIn("<p>Through the years, EPA’s collaboration with Peru has resulted", page)
        self.assertNotIn("&lt;p&gt;Through the years", page)
        self.assertNotIn("&lt;p&gt;EPA Region 9 staff participated", page, "an activity's text too")

    def test_preview_shows_each_versions_own_record_of_an_activity(self):
        live = self.start_published_live_version()
        Activity.objects.filter(page=live, slug=RAURA).update(text="Rewritten for the live version.")
        snapshot_activity = Activity.objects.get(slug=RAURA, page=self.snapshot)
        self.client.force_login(self.editor)
        changelist = self.client.get(reverse("admin:activities_activity_changelist"), {"q": "Raura"})
        previews = {link["href"] for link in ParsedHtml(changelist.content.decode()).links if link["text"] == "Preview"}
        snapshot_preview = f"{ARCHIVE_2021}#{RAURA}"
        self.assertEqual(previews, {snapshot_preview, f"/activities/{RAURA}/"})
        self.assertContains(self.client.get(self.change_url(snapshot_activity)), f'href="{snapshot_preview}"')
        self.assertContains(self.client.get(snapshot_preview.split("#")[0]), "Raura Mine")
        self.assertContains(self.client.get(f"/activities/{RAURA}/"), "Rewritten for the live version.")

    def test_only_publishers_delete_a_snapshot(self):
        url = reverse("admin:activities_page_delete", args=[self.snapshot.pk])
        self.client.force_login(self.editor)
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.client.force_login(self.publisher)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        self.assertFalse(Page.objects.exists())
        self.assertFalse(Activity.objects.exists())

    def test_only_publishers_freeze_a_snapshot_in_the_admin(self):
        live = self.start_published_live_version()
        changelist = reverse("admin:activities_page_changelist")
        self.client.force_login(self.editor)
        admin_action(self.client, changelist, "snapshot_selected", [live.pk])
        self.assertEqual(Page.objects.count(), 2)
        self.client.force_login(self.publisher)
        admin_action(self.client, changelist, "snapshot_selected", [live.pk])
        self.assertEqual(Page.objects.count(), 3)

    def test_an_editor_starts_a_live_draft_and_edits_it(self):
        self.client.force_login(self.editor)
        changelist = reverse("admin:activities_page_changelist")
        response = admin_action(self.client, changelist, "start_live_version", [self.snapshot.pk])
        live = Page.objects.get(archived_on=None)
        self.assertRedirects(response, self.change_url(live))
        self.assertEqual(live.status, "draft")
        self.assertEqual(live.activities.count(), self.snapshot.activities.count())
        form = admin_form_data(self.client.get(self.change_url(live)).content.decode(), "page_form")
        form["title"] = "EPA Collaboration with Peru, edited in the live version"
        self.assertEqual(self.client.post(self.change_url(live), form).status_code, 302)
        self.assertIn("edited", Page.objects.get(pk=live.pk).title)
        self.assertNotIn("edited", Page.objects.get(pk=self.snapshot.pk).title)

    def test_an_editor_cannot_date_a_page_they_add(self):
        self.client.force_login(self.editor)
        page = self.client.get(reverse("admin:activities_page_add")).content.decode()
        self.assertNotIn('name="archived_on"', page)


class CompareTests(VersionsTestCase):
    """A second, synthetic version made in the test: the 2021 page edited live.
    In its opening (before the first heading), a word of an activity changed
    and a new activity; in "Past Activities", an activity deleted; at the end,
    a new part: a heading and its text."""

    def setUp(self):
        self.live = self.start_published_live_version()
        raura = self.live_activity(RAURA)
        raura.text = raura.text.replace("successful webinar", "virtual webinar")
        raura.save()
        self.live_activity(LITTER).delete()
        Activity.objects.create(
            page=self.live, ordering=raura.ordering - 5, slug="peru-2026-05-new-workshop", status="published",
            date=datetime.date(2026, 5, 1), text="A new workshop on air quality monitoring.",
        )
        last = page_blocks(self.live)[-1].ordering
        Heading.objects.create(page=self.live, ordering=last + 1, level=2, anchor="news", text="News")
        RichText.objects.create(page=self.live, ordering=last + 2, text="Our news from Peru.")

    def compare(self, **query):
        return self.client.get("/archive/compare/", query)

    def test_an_address_of_when_pages_were_called_programs_moves_to_the_page_parameter(self):
        response = self.client.get("/archive/compare/?program=peru&from=2021-01-19&to=live")
        self.assertEqual((response.status_code, response["Location"]),
                         (301, "/archive/compare/?page=peru&from=2021-01-19&to=live"))
        self.assertContains(self.client.get(response["Location"]), "3 added, 1 removed, 1 changed.")

    def compared_html(self):
        """The comparison of the snapshot with the live version, checked for
        what every comparison owes its readers."""
        html = self.compare(page="peru", **{"from": "2021-01-19", "to": "live"}).content.decode()
        self.assert_summary_counts_the_marks(html)
        self.assert_accessible_outline(html)
        return html

    def assert_summary_counts_the_marks(self, html):
        counts = {"added": 0, "removed": 0, "changed": 0}
        for mark in self.marks(html):
            counts[mark.split()[-1].lower()] += 1
        summary = re.search(r"(\d+) added, (\d+) removed, (\d+) changed\.", " ".join(ParsedHtml(html).blocks))
        self.assertEqual(
            {"added": int(summary[1]), "removed": int(summary[2]), "changed": int(summary[3])}, counts,
            "the summary counts exactly the marks shown",
        )

    def assert_accessible_outline(self, html):
        page = ParsedHtml(html)
        levels = [int(level[1]) for level, _ in page.headings]
        self.assertEqual(levels[0], 1, "one h1 first")
        for before, after in zip(levels, levels[1:]):
            self.assertLessEqual(after, before + 1, f"a heading level skipped: {page.headings}")
        self.assertTrue(all(found["items"] for found in page.lists), "no empty list")

    @staticmethod
    def marks(html):
        return re.findall(r'<span class="comparison__kind">([^<]+)</span>', html[html.index('<div class="comparison">'):])

    @staticmethod
    def part(html, heading):
        """The text of the comparison's part whose h2 reads ``heading``, as a visitor reads it."""
        comparison = html[html.index('<div class="comparison">'):]
        blocks = ParsedHtml(comparison[: comparison.index("</div>")]).blocks
        start = blocks.index(heading)
        end = next((index for index in range(start + 1, len(blocks)) if blocks[index] in h2s(html)), len(blocks))
        return " ".join(blocks[start:end])

    def test_changes_are_shown_part_by_part_block_by_block_word_by_word_and_in_words(self):
        response = self.compare(page="peru", **{"from": "2021-01-19", "to": "live"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Robots-Tag"], "noindex")
        html = self.compared_html()
        self.assertIn("3 added, 1 removed, 1 changed.", " ".join(ParsedHtml(html).blocks))
        # Only the changed word is marked, and it is said in words, not by colour alone.
        self.assertInHTML(
            '<del class="comparison__removed"><span class="usa-sr-only">[removed: </span>successful'
            '<span class="usa-sr-only">]</span></del>', html,
        )
        self.assertInHTML(
            '<ins class="comparison__added"><span class="usa-sr-only">[added: </span>virtual'
            '<span class="usa-sr-only">]</span></ins>', html,
        )
        # The parts that changed, in the page's order; unchanged ones are left out.
        self.assertEqual(h2s(html), ["Page title and opening", "Past Activities", "[added: News] Part added"])
        opening = self.part(html, "Page title and opening")
        self.assertIn("Added: [added: May 2026: A new workshop on air quality monitoring.]", opening)
        self.assertIn("Changed: March 2020: EPA Region 9 staff participated in a [removed: successful] "
                      "[added: virtual] webinar", opening)
        self.assertLess(opening.index("May 2026"), opening.index("March 2020"), "in the page's order")
        self.assertIn("Removed: [removed: September 2016: Pilot project", self.part(html, "Past Activities"))

    def test_a_new_heading_with_its_text_is_an_added_part(self):
        html = self.compared_html()
        self.assertEqual(self.part(html, "[added: News] Part added"),
                         "[added: News] Part added Added: [added: Our news from Peru.]")

    def test_a_changed_heading_is_shown_as_a_changed_part_with_its_words(self):
        Heading.objects.filter(page=self.live, anchor="megacities-partnership").update(
            text="Megacities Partnership for Lima and Callao"
        )
        html = self.compared_html()
        heading = "Megacities Partnership for [removed: the Lima-Callao Region] [added: Lima and Callao] Part changed"
        self.assertIn(heading, h2s(html))
        # Its blocks are the same: the part is marked, nothing in it (and no empty list).
        self.assertEqual(self.part(html, heading), heading)
        self.assertIn("3 added, 1 removed, 2 changed.", " ".join(ParsedHtml(html).blocks))

    def test_an_activity_moved_to_another_part_is_removed_from_one_and_added_to_the_other(self):
        moved = self.live_activity("peru-2019-06-compliance-promotion-workshop")
        moved.ordering = Heading.objects.get(page=self.live, anchor="megacities-partnership").ordering - 1
        moved.save()
        html = self.compared_html()
        self.assertIn("4 added, 2 removed, 1 changed.", " ".join(ParsedHtml(html).blocks))
        self.assertIn(
            "Added (moved from “Past Activities”): [added: June 2019: Workshop on Promoting Environmental Compliance.",
            self.part(html, "Environmental Governance"),
        )
        self.assertIn(
            "Removed (moved to “Environmental Governance”): [removed: June 2019: Workshop on Promoting",
            self.part(html, "Past Activities"),
        )

    def test_blocks_moved_within_a_part_are_marked_changed(self):
        first, second = Activity.objects.filter(
            page=self.live, slug__in=["peru-oefa-online-training-materials", "peru-adjudication-workshop"]
        ).order_by("ordering")
        Activity.objects.filter(pk=first.pk).update(ordering=second.ordering + 1)
        html = self.compared_html()
        self.assertIn("Changed (moved within this part): Creating online training materials",
                      self.part(html, "Environmental Governance"))

    def test_the_summary_counts_each_part_and_block_it_marks(self):
        Page.objects.filter(archived_on=None).update(title="EPA Collaboration with the Republic of Peru")
        RichText.objects.filter(page=self.live, ordering__lt=20).update(
            text=RichText.objects.get(page=self.live, ordering__lt=20).text + " Since 2009."
        )
        html = self.compared_html()
        self.assertEqual(self.marks(html), ["Title changed", "Changed", "Added", "Changed", "Removed",
                                            "Part added", "Added"])
        self.assertIn("3 added, 1 removed, 3 changed.", " ".join(ParsedHtml(html).blocks))
        self.assertIn("Title: EPA Collaboration with [added: the Republic of] Peru",
                      self.part(html, "Page title and opening Title changed"))

    def test_current_names_what_the_page_address_shows(self):
        current = self.compare(page="peru", **{"from": "2021-01-19", "to": "current"})
        live = self.compare(page="peru", **{"from": "2021-01-19", "to": "live"})
        self.assertContains(current, "3 added, 1 removed, 1 changed.")

        def comparison(response):
            html = response.content.decode()
            return html[html.index('<div class="comparison">'):]

        self.assertEqual(comparison(current), comparison(live))

    def test_the_key_uses_strike_through_and_underline(self):
        css = (settings.BASE_DIR / "static" / "css" / "comparison.css").read_text()
        self.assertRegex(css, r"\.comparison__removed \{[^}]*text-decoration: line-through")
        self.assertRegex(css, r"\.comparison__added \{[^}]*text-decoration: underline")

    def test_the_same_version_twice_says_so(self):
        response = self.compare(page="epa-collaboration-peru", **{"from": "live", "to": "live"})
        self.assertContains(response, "the two versions print the same text.")
        self.assertNotContains(response, "comparison__kind")

    def test_bad_choices_are_explained_on_the_form(self):
        cases = [
            ({"page": "chile", "from": "2021-01-19", "to": "live"}, "There is no page “chile”"),
            ({"page": "peru", "from": "2020-01-01", "to": "live"}, "This page has no version “2020-01-01”"),
            ({"page": "peru", "from": "2021-01-19", "to": "yesterday"}, "its versions are: 2021-01-19, live."),
            ({"page": "peru\x00", "from": "2021-01-19"}, "This field is required."),
        ]
        for query, message in cases:
            with self.subTest(query=query):
                response = self.compare(**query)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertNotContains(response, "comparison__summary")

    def test_an_unpublished_version_is_not_offered_to_the_public(self):
        unpublish(Page.objects.get(archived_on=None), user=self.publisher)
        response = self.compare(page="peru", **{"from": "2021-01-19", "to": "live"})
        self.assertContains(response, "This page has no version “live”")

    def test_a_draft_activity_is_not_compared_for_the_public(self):
        Activity.objects.filter(slug="peru-2026-05-new-workshop").update(status="draft")
        html = self.compared_html()
        self.assertNotIn("A new workshop on air quality monitoring.", html)
        self.assertIn("2 added, 1 removed, 1 changed.", " ".join(ParsedHtml(html).blocks))

    def test_staff_compare_any_two_versions_in_the_admin_drafts_included(self):
        Activity.objects.filter(slug="peru-2026-05-new-workshop").update(status="draft")
        self.client.force_login(self.editor)
        url = reverse("admin:activities_page_compare_versions", args=[self.live.pk])
        response = self.client.get(url, {"page": self.live.slug, "from": "2021-01-19", "to": "live"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A new workshop on air quality monitoring.")
        self.assertContains(response, "3 added, 1 removed, 1 changed.")
        self.assertContains(response, "comparison.css")
        self.assert_summary_counts_the_marks(response.content.decode())
        # With nothing chosen, a version is compared with the one before it.
        self.assertContains(self.client.get(url), "A new workshop on air quality monitoring.")
        change_page = self.client.get(reverse("admin:activities_page_change", args=[self.live.pk]))
        self.assertContains(change_page, url)


def h2s(html):
    return [text for level, text in ParsedHtml(html).headings if level == "h2"]
