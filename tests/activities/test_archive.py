import datetime
import io
import xml.etree.ElementTree as ET

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
from tests.content import staff_user
from tests.factories import (
    make_activity,
    make_heading,
    make_page,
    make_page_contact,
    make_partner,
    make_partner_list,
    make_snapshot,
    make_text,
    make_theme,
)
from tests.forms import admin_action, admin_form_data
from tests.html import PERU_PAGE, SNAPSHOT, elements, listed, seed_blocks, text_without_exit_links, words

PAGE = "/international-cooperation/epa-collaboration-chile/"
ARCHIVE_2021 = "/archive/2021-01-19" + PAGE
COMPARE_2021_LIVE = "/archive/compare/?page=epa-collaboration-chile&amp;from=2021-01-19&amp;to=live"
NOTICE = "This is not the current EPA website."
ARCHIVED_TITLE = "<title>EPA Collaboration with Chile (archived January 19, 2021) | US EPA</title>"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Two activities of the page that tests change.
WEBINAR = "chile-2020-03-mine-inspections-webinar"
LITTER = "chile-2016-09-marine-litter-pilot"
OPENING = (
    "<p>The U.S.-Chile Free Trade Agreement (FTA) entered into force in January 2004, and with it an agreement "
    "under which EPA works with Chile’s environmental agencies on air, water, mercury and enforcement.</p>"
    "<p>Through the years, EPA’s collaboration with Chile has resulted in workshops, trainings and pilots.</p>"
)


def rewrite_opening(page, text):
    """The page's first text (its opening words) rewritten as one paragraph of ``text``."""
    first = RichText.objects.filter(page=page).order_by("ordering")[0]
    RichText.objects.filter(pk=first.pk).update(text=f"<p>{text}</p>")


def meta_content(response, **attributes):
    """The content of the page's one <meta> with these attributes, as a browser reads it."""
    (meta,) = elements(response.content.decode(), "meta", **attributes)
    return dict(meta.attributes)["content"]


class VersionsTestCase(TestCase):
    """A page with an opening, parts under headings and activities, frozen
    into its snapshot of January 19, 2021 (and no live version); an Editor
    and a Publisher."""

    @classmethod
    def setUpTestData(cls):
        cls.publisher = staff_user("publisher", "Publishers")
        cls.editor = staff_user("editor", "Editors")
        adjudication, enforcement, litter, mercury = (
            make_theme(name) for name in ("Adjudication", "Enforcement and compliance", "Marine litter", "Mercury")
        )
        sma = make_partner("Superintendency of the Environment", acronym="SMA", url="https://portal.sma.gob.cl/")
        mma = make_partner("Ministry of the Environment", acronym="MMA", url="https://mma.gob.cl/")
        live = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", country="Chile",
                         partners=[sma, mma])
        make_text(live, OPENING)
        make_activity(
            live, "<p>EPA Region 9 staff participated in a successful webinar with inspectors of the "
                  '<a href="partner:sma">Superintendency of the Environment</a> on the Escondida Mine.</p>',
            slug=WEBINAR, title="Webinar with SMA on inspections of the Escondida Mine", date="2020-03",
            display="paragraph", themes=[enforcement], partners=[sma],
        )
        make_heading(live, "Environmental Governance")
        make_activity(live, "Creating online training materials for SMA inspectors.",
                      slug="chile-sma-online-training-materials", themes=[enforcement], partners=[sma])
        make_activity(live, "On-the-job inspection of a regulated facility with Chilean inspectors.",
                      slug="chile-on-the-job-inspection", themes=[enforcement])
        make_activity(live, "Workshop for Chilean adjudicators on environmental cases.",
                      slug="chile-adjudication-workshop", themes=[adjudication])
        make_heading(live, "Megacities Partnership for the Santiago Region", anchor="megacities-partnership")
        make_activity(live, "Measuring motor vehicle emissions in Santiago.", slug="chile-vehicle-emissions",
                      display="numbered", partners=[mma])
        make_heading(live, "Past Activities")
        make_activity(live, "Workshop on Promoting Environmental Compliance.",
                      slug="chile-2019-06-compliance-promotion-workshop", date="2019-06", themes=[enforcement])
        plans = make_activity(live, "Stakeholder workshop on mercury action plans, then one on adjudication.",
                              slug="chile-2017-12-mercury-action-plans-workshop", date="2017-12", themes=[mercury])
        make_activity(live, "Capacity-building workshop on adjudication.", slug="chile-2017-12-adjudication-workshop",
                      date="2017-12", themes=[adjudication], printed_in=plans)
        make_activity(live, "Pilot project against marine litter in Valparaíso.", slug=LITTER, date="2016-09",
                      themes=[litter], partners=[mma])
        make_heading(live, "Key Partners")
        make_partner_list(live)
        make_page_contact(live)
        cls.snapshot = make_snapshot(live, "2021-01-19")
        live.delete()

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
        response = self.client.get(PAGE)
        self.assertContains(response, NOTICE, count=1)
        self.assertContains(response, "as it existed on January 19, 2021")
        self.assertContains(response, ARCHIVED_TITLE, html=True)
        # It is the current version: no link to another one.
        self.assertNotContains(response, "Go to the current version of this page")

    def test_a_snapshot_has_its_own_address_with_notice_and_title_marker(self):
        response = self.client.get(ARCHIVE_2021)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, NOTICE, count=1)
        self.assertContains(response, ARCHIVED_TITLE, html=True)
        # The only version is the current one: no link to "the current version", which is itself.
        self.assertNotContains(response, "Go to the current version of this page")

    def test_every_page_links_the_archive_from_its_footer_and_versions_line(self):
        for address in (PAGE, ARCHIVE_2021, "/activities/", "/partners/", "/about-this-archive/"):
            self.assertContains(self.client.get(address),
                                '<li><a class="usa-link" href="/archive/">Past versions of these pages</a></li>',
                                count=1, html=True, msg_prefix=address)
        self.assertContains(self.client.get(PAGE), """
            <nav class="page-versions" aria-label="Versions of this page">
              <p>Versions of this page: <strong>January 19, 2021 (this one)</strong>.
              See <a class="usa-link" href="/archive/">every version in the archive</a>.</p>
            </nav>""", html=True)

    def test_a_live_version_takes_the_page_address_and_carries_no_notice_nor_marker(self):
        self.start_published_live_version(opening="Our work with Chile, as it is today.")
        live = self.client.get(PAGE)
        self.assertContains(live, "<p>Our work with Chile, as it is today.</p>", html=True)
        self.assertNotContains(live, NOTICE)
        self.assertContains(live, "<title>EPA Collaboration with Chile | US EPA</title>", html=True)
        archived = self.client.get(ARCHIVE_2021)
        self.assertNotContains(archived, "as it is today")
        self.assertContains(archived, "as it existed on January 19, 2021")
        self.assertContains(archived, f'<p class="archive-notice__current"><a href="{PAGE}">Go to the current '
                                      "version of this page</a></p>", html=True)
        self.assertContains(live, f"""
            <nav class="page-versions" aria-label="Versions of this page">
              <p>Versions of this page: <strong>live (this one)</strong>,
              <a class="usa-link" href="{ARCHIVE_2021}">January 19, 2021</a>.
              <a class="usa-link" href="{COMPARE_2021_LIVE}">Compare the two newest versions</a>, or see
              <a class="usa-link" href="/archive/">every version in the archive</a>.</p>
            </nav>""", html=True)

    def test_a_live_version_says_when_it_last_changed_in_its_footer_and_the_sitemap(self):
        def footer_date(date):
            return f'<div class="grid-container site-column site-footer__updated"><p>Last updated on {date}</p></div>'

        archived = footer_date("a date the archived copy does not record")
        self.assertContains(self.client.get(ARCHIVE_2021), archived, html=True)
        self.start_published_live_version()
        webinar = self.live_activity(WEBINAR)
        webinar.text += " More."
        webinar.save()
        changed = Activity.history.filter(id=webinar.pk).latest("history_date").history_date
        today = timezone.localtime(changed)
        self.assertContains(self.client.get(PAGE), footer_date(f"{today:%B} {today.day}, {today.year}"), html=True)
        self.assertContains(self.client.get(ARCHIVE_2021), archived, html=True, msg_prefix="a snapshot keeps its own")
        sitemap = ET.fromstring(self.client.get("/sitemap-current-pages.xml").content)
        (entry,) = [url for url in sitemap.iter(f"{SITEMAP}url")
                    if url.find(f"{SITEMAP}loc").text == f"http://testserver{PAGE}"]
        self.assertEqual(entry.find(f"{SITEMAP}lastmod").text, changed.date().isoformat())

    def test_every_page_has_a_description_open_graph_tags_and_one_canonical_link(self):
        for address, canonical in (
            (PAGE, PAGE), (ARCHIVE_2021, ARCHIVE_2021), ("/activities/", "/activities/"),
            ("/activities/2019/?theme=adjudication", "/activities/2019/?theme=adjudication"),
            (f"/activities/{WEBINAR}/", f"/activities/{WEBINAR}/"),
            ("/partners/sma/", "/partners/sma/"), ("/archive/", "/archive/"), ("/", "/"),
        ):
            response = self.client.get(address)
            html = response.content.decode()
            self.assertEqual([dict(link.attributes)["href"] for link in elements(html, "link", rel="canonical")],
                             [f"http://testserver{canonical}"], address)
            description = meta_content(response, name="description")
            self.assertGreater(len(description), 40, address)
            self.assertLessEqual(len(description), 300, address)
            for tag in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
                self.assertTrue(meta_content(response, property=tag), (address, tag))
            self.assertContains(response, '<meta name="twitter:card" content="summary">', count=1, html=True)
        self.assertNotContains(self.client.get("/no-such-page/"), 'rel="canonical"', status_code=404)

    def test_a_pages_description_is_its_own_or_the_start_of_its_introduction(self):
        opening = meta_content(self.client.get(PAGE), name="description")
        self.assertTrue(opening.startswith("The U.S.-Chile Free Trade Agreement (FTA) entered into force"), opening)
        self.assertTrue(opening.endswith("…"), opening)
        self.assertLessEqual(len(opening), 160)
        self.start_published_live_version(meta_description="How EPA works with Chile on air, water and mercury.")
        self.assertEqual(meta_content(self.client.get(PAGE), name="description"),
                         "How EPA works with Chile on air, water and mercury.")
        self.assertEqual(meta_content(self.client.get(ARCHIVE_2021), name="description"), opening,
                         "the snapshot keeps its own")

    def test_a_draft_live_version_is_for_staff_only(self):
        live = services.start_live_version(self.snapshot, user=self.publisher)
        rewrite_opening(live, "A draft introduction.")
        self.assertNotContains(self.client.get(PAGE), "A draft introduction.")
        self.client.force_login(self.editor)
        preview = self.client.get(PAGE)
        self.assertContains(preview, "<p>A draft introduction.</p>", html=True)
        self.assertContains(preview, "Draft, not public.")

    def test_unknown_or_impossible_dates_are_404(self):
        for address in (
            "/archive/2020-01-19" + PAGE,
            "/archive/2021-02-30" + PAGE,
            "/archive/2021-1-19" + PAGE,
            "/archive/2021-01-19/international-cooperation/epa-collaboration-peru/",
        ):
            with self.subTest(address=address):
                self.assertEqual(self.client.get(address).status_code, 404)

    def test_archived_dates_link_nowhere_and_listings_are_not_offered(self):
        response = self.client.get(ARCHIVE_2021)
        self.assertContains(response, f'<p class="activity" id="{WEBINAR}">March 2020: EPA Region 9 staff '
                                      "participated in a successful webinar with inspectors of the "
                                      '<a class="usa-link" href="https://portal.sma.gob.cl/">Superintendency of the '
                                      'Environment</a> <a class="exit-disclaimer" href="/exit-disclaimer/" '
                                      'title="EPA’s External Link Disclaimer">Exit</a> on the Escondida Mine.</p>',
                            html=True)
        self.assertNotContains(response, 'href="/activities/2020/"')
        self.assertNotContains(response, "Find this page's activities")
        # At the page's own address, the same date leads to its year.
        self.assertContains(self.client.get(PAGE), '<a class="activity__date" href="/activities/2020/">March 2020</a>',
                            html=True)

    def test_the_archive_index_lists_every_version_with_a_way_to_compare(self):
        self.start_published_live_version()
        self.assertContains(self.client.get("/archive/"), f"""
            <ul class="usa-list">
              <li><a class="usa-link" href="{PAGE}">Live version</a> ·
                <a class="usa-link" href="{COMPARE_2021_LIVE}">What changed since January 19, 2021</a></li>
              <li><a class="usa-link" href="{ARCHIVE_2021}">As it stood on January 19, 2021</a></li>
            </ul>""", html=True)

    def test_the_sitemap_names_the_page_address_and_each_snapshot(self):
        self.start_published_live_version()
        index = ET.fromstring(self.client.get("/sitemap.xml").content)
        addresses = []
        for section in index.iter(f"{SITEMAP}loc"):
            part = ET.fromstring(self.client.get(section.text.removeprefix("http://testserver")).content)
            addresses += [loc.text.removeprefix("http://testserver") for loc in part.iter(f"{SITEMAP}loc")]
        self.assertEqual(addresses.count(PAGE), 1)
        self.assertEqual(addresses.count(ARCHIVE_2021), 1)


class ArchivedTextTests(TestCase):
    """The 2021 snapshot of the Peru page, loaded from its fixture, at its own address."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def test_the_archived_page_prints_every_block_of_the_seed_in_order(self):
        html = self.client.get("/archive/2021-01-19" + PERU_PAGE).content.decode()
        printed = words(text_without_exit_links(html[html.index("<main") : html.index("</main>")]))
        seed = seed_blocks()
        position = 0
        for block in seed[seed.index("EPA Collaboration with Peru") :]:
            found = printed.find(block, position)
            self.assertNotEqual(found, -1, f"not printed (or out of order): {block[:100]!r}")
            position = found + len(block)


class CurrentVersionListingTests(VersionsTestCase):
    def test_listings_feeds_and_detail_pages_offer_the_current_version_once(self):
        self.start_published_live_version()
        live_webinar = self.live_activity(WEBINAR)
        Activity.objects.filter(pk=live_webinar.pk).update(text="Escondida Mine webinar, as rewritten today.")
        self.assertEqual(listed(self.client.get("/activities/2020/").content.decode()), [f"/activities/{WEBINAR}/"])
        self.assertContains(self.client.get(f"/activities/{WEBINAR}/"), "<p>Escondida Mine webinar, as rewritten "
                                                                        "today.</p>", html=True)
        self.assertContains(self.client.get("/activities/feed/"), "as rewritten today", count=1)
        # Each activity once, however many versions hold it.
        public = Activity.objects.published().filter(page__archived_on=None).count()
        self.assertEqual(public, 9)
        self.assertEqual(Activity.objects.published().count(), 2 * public)
        self.assertContains(self.client.get("/activities/"),
                            f'<p class="result-summary" role="status"><strong>{public} activities</strong>.</p>',
                            html=True)


class SnapshotCommandTests(VersionsTestCase):
    def test_snapshot_freezes_what_the_public_sees_of_the_live_version(self):
        live = self.start_published_live_version(opening="Our work with Chile in 2026.")
        Activity.objects.filter(pk=self.live_activity(WEBINAR).pk).update(status="draft")
        out = io.StringIO()
        call_command("snapshot", "chile", "--date", "2026-11-25", "--user", "publisher", stdout=out)
        self.assertIn("/archive/2026-11-25" + PAGE, out.getvalue())
        frozen = Page.objects.get(archived_on=datetime.date(2026, 11, 25))
        self.assertTrue(frozen.is_published)
        self.assertEqual(
            [(type(block), block.ordering) for block in page_blocks(frozen)],
            [(type(block), block.ordering) for block in page_blocks(live)
             if not (isinstance(block, Activity) and block.slug == WEBINAR)],
            "every block the public sees, in order",
        )
        # The draft was not public, so it is not in the archive.
        self.assertFalse(frozen.activities.filter(slug=WEBINAR).exists())
        self.assertEqual(frozen.activities.count(), live.activities.count() - 1)
        for activity in frozen.activities.all():
            original = self.live_activity(activity.slug)
            self.assertEqual(set(activity.themes.all()), set(original.themes.all()), activity.slug)
            self.assertEqual(set(activity.partners.all()), set(original.partners.all()), activity.slug)
        self.assertTrue(frozen.activities.filter(themes__isnull=False).exists())
        self.assertTrue(frozen.activities.filter(partners__isnull=False).exists())
        printed_inside = frozen.activities.get(slug="chile-2017-12-adjudication-workshop")
        self.assertEqual(printed_inside.printed_in.page, frozen)
        self.assertEqual(frozen.history.earliest().history_user, self.publisher)
        self.assertTrue(LogEntry.objects.filter(object_id=str(frozen.pk), user=self.publisher).exists())
        response = self.client.get("/archive/2026-11-25" + PAGE)
        self.assertContains(response, "<p>Our work with Chile in 2026.</p>", html=True)
        self.assertContains(response, "as it existed on November 25, 2026")
        self.assertNotContains(response, "Escondida Mine")
        # The live version is unchanged, draft included, and keeps the page address.
        self.assertEqual(self.live_activity(WEBINAR).status, "draft")
        self.assertNotContains(self.client.get(PAGE), NOTICE)

    def test_an_activity_is_printed_inside_one_of_its_own_version(self):
        self.start_published_live_version()
        live = self.live_activity("chile-2017-12-adjudication-workshop")
        live.printed_in = Activity.objects.get(slug=live.printed_in.slug, page=self.snapshot)
        with self.assertRaisesMessage(ValidationError, "Choose an activity of the same version of the page."):
            live.full_clean()

    def test_snapshot_refuses_clearly_and_changes_nothing(self):
        cases = [
            (["chile", "--date", "2026-11-25"], "No page “chile” dated live"),
            (["peru", "--date", "2026-11-25"], "No page “peru”"),
            (["chile", "--date", "25/11/2026"], "is not a date"),
            (["chile", "--user", "nobody"], "there is no user 'nobody'"),
        ]
        for arguments, message in cases:
            with self.subTest(arguments=arguments), self.assertRaisesMessage(CommandError, message):
                call_command("snapshot", *arguments, stdout=io.StringIO())
        self.start_published_live_version()
        before = Page.objects.count()
        with self.assertRaisesMessage(CommandError, "already has a snapshot dated 2021-01-19"):
            call_command("snapshot", "chile", "--date", "2021-01-19", stdout=io.StringIO())
        with self.assertRaisesMessage(CommandError, "Only Publishers may make a snapshot"):
            call_command("snapshot", "chile", "--user", "editor", stdout=io.StringIO())
        self.assertEqual(Page.objects.count(), before)


class SnapshotAdminTests(VersionsTestCase):
    def change_url(self, obj):
        return reverse(f"admin:activities_{obj._meta.model_name}_change", args=[obj.pk])

    def test_a_snapshot_and_its_parts_are_shown_but_not_editable(self):
        activity = Activity.objects.get(slug=WEBINAR)
        for user in (self.editor, self.publisher):
            self.client.force_login(user)
            for obj in (self.snapshot, activity):
                with self.subTest(user=user.username, obj=obj):
                    page = self.client.get(self.change_url(obj))
                    self.assertEqual(page.status_code, 200)
                    self.assertContains(page, "Escondida Mine" if obj is activity else obj.title)
                    self.assertNotContains(page, 'name="_save"')
                    self.assertEqual(self.client.post(self.change_url(obj), {"title": "Changed"}).status_code, 403)
        self.assertEqual(Page.objects.get().title, "EPA Collaboration with Chile")
        # Its publication is part of what it records, too.
        refused = for_each([self.snapshot, activity], unpublish, user=self.publisher)
        self.assertEqual(len(refused.failed), 2)
        self.assertIn("the snapshot “EPA Collaboration with Chile” of 2021-01-19 is read-only", refused.failed[1][1])
        self.assertTrue(Page.objects.get().is_published)

    def test_a_snapshots_rich_text_is_shown_as_printed_not_as_html(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.change_url(self.snapshot))
        self.assertContains(response, "<p>Through the years, EPA’s collaboration with Chile has resulted in workshops, "
                                      "trainings and pilots.</p>", html=True)
        self.assertNotContains(response, "&lt;p&gt;Through the years")
        self.assertNotContains(response, "&lt;p&gt;EPA Region 9 staff participated",
                               msg_prefix="an activity's text too")

    def test_preview_shows_each_versions_own_record_of_an_activity(self):
        live = self.start_published_live_version()
        Activity.objects.filter(page=live, slug=WEBINAR).update(text="Rewritten for the live version.")
        snapshot_activity = Activity.objects.get(slug=WEBINAR, page=self.snapshot)
        self.client.force_login(self.editor)
        changelist = self.client.get(reverse("admin:activities_activity_changelist"), {"q": "Escondida"})
        previews = {dict(link.attributes)["href"] for link in elements(changelist.content.decode(), "a")
                    if link.children == ["Preview"]}
        snapshot_preview = f"{ARCHIVE_2021}#{WEBINAR}"
        self.assertEqual(previews, {snapshot_preview, f"/activities/{WEBINAR}/"})
        self.assertContains(self.client.get(self.change_url(snapshot_activity)), f'href="{snapshot_preview}"')
        self.assertContains(self.client.get(snapshot_preview.split("#")[0]), "Escondida Mine")
        self.assertContains(self.client.get(f"/activities/{WEBINAR}/"), "<p>Rewritten for the live version.</p>",
                            html=True)

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
        form["title"] = "EPA Collaboration with Chile, edited in the live version"
        self.assertEqual(self.client.post(self.change_url(live), form).status_code, 302)
        self.assertIn("edited", Page.objects.get(pk=live.pk).title)
        self.assertNotIn("edited", Page.objects.get(pk=self.snapshot.pk).title)

    def test_an_editor_cannot_date_a_page_they_add(self):
        self.client.force_login(self.editor)
        page = self.client.get(reverse("admin:activities_page_add")).content.decode()
        self.assertNotIn('name="archived_on"', page)


# A comparison's marks: words added or removed, said in words too (screen readers do not announce <ins> and <del>).
ADDED = ('<ins class="comparison__added"><span class="usa-sr-only">[added: </span>{}'
         '<span class="usa-sr-only">]</span></ins>')
REMOVED = ('<del class="comparison__removed"><span class="usa-sr-only">[removed: </span>{}'
           '<span class="usa-sr-only">]</span></del>')


def item(kind, words, notes=""):
    """A block's line in a comparison: what happened to it, in words, then its words as marked."""
    return f'<li><span class="comparison__kind">{kind}</span>{notes}<span class="usa-sr-only">:</span> {words}</li>'


def items(*lines):
    return f'<ul class="usa-list comparison__items">{"".join(lines)}</ul>'


def part(html, anchor=None):
    """The comparison's part under the heading ``anchor`` (None: the page's title and opening), as HTML."""
    (section,) = elements(html, "section", **{"aria-labelledby": f"comparison-part-{anchor}" if anchor
                                                                 else "comparison-page-opening"})
    return str(section)


def parts(html):
    """The parts a comparison shows, by their heading's anchor (None: the page's title and opening)."""
    return [dict(section.attributes)["aria-labelledby"].removeprefix("comparison-part-").replace(
        "comparison-page-opening", "") or None for section in elements(html, "section", class_="comparison__section")]


class CompareTests(VersionsTestCase):
    """A second version made in the test: the 2021 page edited live. In its
    opening (before the first heading), a word of an activity changed and a
    new activity; in "Past Activities", an activity deleted; at the end, a
    new part: a heading and its text."""

    WEBINAR_CHANGED = item("Changed", "March 2020: EPA Region 9 staff participated in a " + REMOVED.format("successful")
                           + " " + ADDED.format("virtual") + " webinar with inspectors of the Superintendency of the "
                           "Environment on the Escondida Mine.")
    NEW_WORKSHOP = item("Added", ADDED.format("May 2026: A new workshop on air quality monitoring."))
    LITTER_REMOVED = item("Removed",
                          REMOVED.format("September 2016: Pilot project against marine litter in Valparaíso."))

    def setUp(self):
        self.live = self.start_published_live_version()
        webinar = self.live_activity(WEBINAR)
        webinar.text = webinar.text.replace("successful webinar", "virtual webinar")
        webinar.save()
        self.live_activity(LITTER).delete()
        Activity.objects.create(
            page=self.live, ordering=webinar.ordering - 5, slug="chile-2026-05-new-workshop", status="published",
            date=datetime.date(2026, 5, 1), text="A new workshop on air quality monitoring.",
        )
        last = page_blocks(self.live)[-1].ordering
        Heading.objects.create(page=self.live, ordering=last + 1, level=2, anchor="news", text="News")
        RichText.objects.create(page=self.live, ordering=last + 2, text="Our news from Chile.")

    def compare(self, **query):
        return self.client.get("/archive/compare/", query)

    def assert_summary(self, response, counts):
        self.assertContains(response, '<p class="comparison__summary" role="status">From January 19, 2021 to the '
                                      f"live version: {counts}</p>", count=1, html=True)

    def compared(self):
        """The comparison of the snapshot with the live version (HTML),
        checked for what every comparison owes its readers."""
        response = self.compare(page="chile", **{"from": "2021-01-19", "to": "live"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assert_summary_counts_the_marks(html)
        self.assert_accessible_outline(html)
        return html

    def assert_summary_counts_the_marks(self, html):
        counts = {"added": 0, "removed": 0, "changed": 0}
        for mark in self.marks(html):
            counts[mark.split()[-1].lower()] += 1
        (summary,) = elements(html, "p", class_="comparison__summary")
        self.assertTrue(summary.children[0].endswith(
            f": {counts['added']} added, {counts['removed']} removed, {counts['changed']} changed."
        ), f"the summary counts exactly the marks shown: {summary}")

    def assert_accessible_outline(self, html):
        levels = [int(heading.name[1]) for heading in elements(html, ("h1", "h2", "h3", "h4"))]
        self.assertEqual(levels[0], 1, "one h1 first")
        for before, after in zip(levels, levels[1:]):
            self.assertLessEqual(after, before + 1, f"a heading level skipped: {levels}")
        self.assertTrue(all(found.children for found in elements(html, ("ul", "ol"))), "no empty list")

    @staticmethod
    def marks(html):
        (comparison,) = elements(html, "div", class_="comparison")
        return [mark.children[0] for mark in elements(str(comparison), "span", class_="comparison__kind")]

    def test_an_address_of_when_pages_were_called_programs_moves_to_the_page_parameter(self):
        response = self.client.get("/archive/compare/?program=chile&from=2021-01-19&to=live")
        self.assertEqual((response.status_code, response["Location"]),
                         (301, "/archive/compare/?page=chile&from=2021-01-19&to=live"))
        self.assert_summary(self.client.get(response["Location"]), "3 added, 1 removed, 1 changed.")

    def test_changes_are_shown_part_by_part_block_by_block_word_by_word_and_in_words(self):
        response = self.compare(page="chile", **{"from": "2021-01-19", "to": "live"})
        self.assertEqual(response["X-Robots-Tag"], "noindex")
        self.assert_summary(response, "3 added, 1 removed, 1 changed.")
        html = self.compared()
        # Only the changed word is marked, and it is said in words, not by colour alone.
        self.assertInHTML(REMOVED.format("successful"), html, count=1)
        self.assertInHTML(ADDED.format("virtual"), html, count=1)
        # The parts that changed, in the page's order; unchanged ones are left out.
        self.assertEqual(parts(html), [None, "past-activities", "news"])
        self.assertInHTML('<h2 id="comparison-page-opening">Page title and opening</h2>', part(html), count=1)
        self.assertInHTML('<h2 id="comparison-part-past-activities">Past Activities</h2>',
                          part(html, "past-activities"), count=1)
        # Each block in the page's order, said what happened to it.
        self.assertInHTML(items(self.NEW_WORKSHOP, self.WEBINAR_CHANGED), part(html), count=1)
        self.assertInHTML(items(self.LITTER_REMOVED), part(html, "past-activities"), count=1)

    def test_a_new_heading_with_its_text_is_an_added_part(self):
        self.assertHTMLEqual(part(self.compared(), "news"), f"""
            <section class="comparison__section" aria-labelledby="comparison-part-news">
              <h2 id="comparison-part-news">{ADDED.format("News")} <span class="comparison__kind">Part added</span></h2>
              {items(item("Added", ADDED.format("Our news from Chile.")))}
            </section>""")

    def test_a_changed_heading_is_shown_as_a_changed_part_with_its_words(self):
        Heading.objects.filter(page=self.live, anchor="megacities-partnership").update(
            text="Megacities Partnership for Central Chile"
        )
        html = self.compared()
        # Its blocks are the same: the part is marked, nothing in it (and no empty list).
        self.assertHTMLEqual(part(html, "megacities-partnership"), f"""
            <section class="comparison__section" aria-labelledby="comparison-part-megacities-partnership">
              <h2 id="comparison-part-megacities-partnership">Megacities Partnership for
                {REMOVED.format("the Santiago Region")} {ADDED.format("Central Chile")}
                <span class="comparison__kind">Part changed</span></h2>
            </section>""")
        self.assertEqual(parts(html), [None, "megacities-partnership", "past-activities", "news"])
        self.assertIn("3 added, 1 removed, 2 changed.", str(elements(html, "p", class_="comparison__summary")[0]))

    def test_an_activity_moved_to_another_part_is_removed_from_one_and_added_to_the_other(self):
        moved = self.live_activity("chile-2019-06-compliance-promotion-workshop")
        moved.ordering = Heading.objects.get(page=self.live, anchor="megacities-partnership").ordering - 1
        moved.save()
        html = self.compared()
        self.assertIn("4 added, 2 removed, 1 changed.", str(elements(html, "p", class_="comparison__summary")[0]))
        self.assertInHTML(
            item("Added", ADDED.format("June 2019: Workshop on Promoting Environmental Compliance."),
                 " (moved from “Past Activities”)"),
            part(html, "environmental-governance"), count=1,
        )
        self.assertInHTML(
            items(item("Removed", REMOVED.format("June 2019: Workshop on Promoting Environmental Compliance."),
                       " (moved to “Environmental Governance”)"), self.LITTER_REMOVED),
            part(html, "past-activities"), count=1,
        )

    def test_blocks_moved_within_a_part_are_marked_changed(self):
        first, second = Activity.objects.filter(
            page=self.live, slug__in=["chile-sma-online-training-materials", "chile-adjudication-workshop"]
        ).order_by("ordering")
        Activity.objects.filter(pk=first.pk).update(ordering=second.ordering + 1)
        self.assertInHTML(
            item("Changed", "Creating online training materials for SMA inspectors.", " (moved within this part)"),
            part(self.compared(), "environmental-governance"), count=1,
        )

    def test_the_summary_counts_each_part_and_block_it_marks(self):
        Page.objects.filter(archived_on=None).update(title="EPA Collaboration with the Republic of Chile")
        opening = RichText.objects.filter(page=self.live).order_by("ordering")[0]
        RichText.objects.filter(pk=opening.pk).update(text=opening.text + "<p>Since 2004.</p>")
        html = self.compared()
        self.assertEqual(self.marks(html), ["Title changed", "Changed", "Added", "Changed", "Removed",
                                            "Part added", "Added"])
        self.assertIn("3 added, 1 removed, 3 changed.", str(elements(html, "p", class_="comparison__summary")[0]))
        self.assertInHTML('<h2 id="comparison-page-opening">Page title and opening '
                          '<span class="comparison__kind">Title changed</span></h2>', part(html), count=1)
        self.assertInHTML(f'<p>Title: EPA Collaboration with {ADDED.format("the Republic of")} Chile</p>', part(html),
                          count=1)

    def test_current_names_what_the_page_address_shows(self):
        current = self.compare(page="chile", **{"from": "2021-01-19", "to": "current"})
        live = self.compare(page="chile", **{"from": "2021-01-19", "to": "live"})
        self.assert_summary(current, "3 added, 1 removed, 1 changed.")

        def comparison(response):
            (found,) = elements(response.content.decode(), "div", class_="comparison")
            return str(found)

        self.assertHTMLEqual(comparison(current), comparison(live))

    def test_the_key_uses_strike_through_and_underline(self):
        css = (settings.BASE_DIR / "static" / "css" / "comparison.css").read_text()
        self.assertRegex(css, r"\.comparison__removed \{[^}]*text-decoration: line-through")
        self.assertRegex(css, r"\.comparison__added \{[^}]*text-decoration: underline")

    def test_the_same_version_twice_says_so(self):
        response = self.compare(page="epa-collaboration-chile", **{"from": "live", "to": "live"})
        self.assertContains(response, '<p class="comparison__summary" role="status">From the live version to the live '
                                      "version: the two versions print the same text.</p>", html=True)
        self.assertNotContains(response, "comparison__kind")

    def test_bad_choices_are_explained_on_the_form(self):
        cases = [
            ({"page": "peru", "from": "2021-01-19", "to": "live"}, "There is no page “peru”"),
            ({"page": "chile", "from": "2020-01-01", "to": "live"}, "This page has no version “2020-01-01”"),
            ({"page": "chile", "from": "2021-01-19", "to": "yesterday"}, "its versions are: 2021-01-19, live."),
            ({"page": "chile\x00", "from": "2021-01-19"}, "This field is required."),
        ]
        for query, message in cases:
            with self.subTest(query=query):
                response = self.compare(**query)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertNotContains(response, "comparison__summary")

    def test_an_unpublished_version_is_not_offered_to_the_public(self):
        unpublish(Page.objects.get(archived_on=None), user=self.publisher)
        response = self.compare(page="chile", **{"from": "2021-01-19", "to": "live"})
        self.assertContains(response, "This page has no version “live”")

    def test_a_draft_activity_is_not_compared_for_the_public(self):
        Activity.objects.filter(slug="chile-2026-05-new-workshop").update(status="draft")
        html = self.compared()
        self.assertNotIn("A new workshop on air quality monitoring.", html)
        self.assertInHTML(items(self.WEBINAR_CHANGED), part(html), count=1)
        self.assertIn("2 added, 1 removed, 1 changed.", str(elements(html, "p", class_="comparison__summary")[0]))

    def test_staff_compare_any_two_versions_in_the_admin_drafts_included(self):
        Activity.objects.filter(slug="chile-2026-05-new-workshop").update(status="draft")
        self.client.force_login(self.editor)
        url = reverse("admin:activities_page_compare_versions", args=[self.live.pk])
        response = self.client.get(url, {"page": self.live.slug, "from": "2021-01-19", "to": "live"})
        self.assertEqual(response.status_code, 200)
        self.assertInHTML(items(self.NEW_WORKSHOP, self.WEBINAR_CHANGED), part(response.content.decode()), count=1)
        self.assert_summary(response, "3 added, 1 removed, 1 changed.")
        self.assertContains(response, "comparison.css")
        self.assert_summary_counts_the_marks(response.content.decode())
        # With nothing chosen, a version is compared with the one before it.
        self.assertContains(self.client.get(url), "A new workshop on air quality monitoring.")
        change_page = self.client.get(reverse("admin:activities_page_change", args=[self.live.pk]))
        self.assertContains(change_page, url)
