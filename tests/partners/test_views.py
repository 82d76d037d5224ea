from django.test import TestCase

from activities.models import Activity
from partners.models import Agreement, Contact, Partner
from tests.factories import (
    make_activity,
    make_agreement,
    make_agreement_list,
    make_contact,
    make_page,
    make_page_contact,
    make_partner,
    make_text,
)
from tests.html import elements

PAGE = "/international-cooperation/epa-collaboration-chile/"
EXIT = '<a class="exit-disclaimer" href="/exit-disclaimer/" title="EPA’s External Link Disclaimer">Exit</a>'


def make_sma():
    return make_partner(
        "Superintendency of the Environment", acronym="SMA", local_name="Superintendencia del Medio Ambiente",
        local_name_language="es", country="Chile", url="https://portal.sma.gob.cl/",
    )


class PartnerPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.sma = make_sma()
        cls.mma = make_partner("Ministry of the Environment", acronym="MMA", url="https://mma.gob.cl/")
        page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile")
        cls.training = make_activity(page, "Training for SMA on compliance inspections.", date="2017-09",
                                     partners=[cls.sma])
        cls.webinar = make_activity(page, "A webinar with SMA on inspections of a copper mine.", date="2020-03",
                                    partners=[cls.sma])
        cls.materials = make_activity(page, "Online training materials for SMA inspectors.", partners=[cls.sma])
        make_activity(page, "A workshop with SMA, not yet published.", date="2021-05", partners=[cls.sma],
                      status="draft")
        make_activity(page, "Measuring motor vehicle emissions in Santiago.", partners=[cls.mma])
        make_agreement("United States–Chile Free Trade Agreement", slug="us-chile-fta", short_name="FTA",
                       parties="United States and Chile", signed_on="2003-06-06", in_force_from="2004-01-01",
                       url="https://ustr.gov/chile-fta")
        make_agreement("United States–Chile Environment Cooperation Agreement", slug="us-chile-eca", short_name="ECA",
                       parties="United States and Chile")
        make_agreement("A draft agreement", status="draft")

    def test_partner_list_and_detail_with_exit_link(self):
        self.assertContains(self.client.get("/partners/"),
                            '<li><a class="usa-link" href="/partners/sma/">Superintendency of the Environment '
                            '(SMA)</a> (<span lang="es">Superintendencia del Medio Ambiente</span>)</li>', html=True)
        response = self.client.get("/partners/sma/")
        self.assertContains(response, "<h1>Superintendency of the Environment (SMA)</h1>", html=True)
        self.assertContains(response, '<p>In its own language: <span lang="es">Superintendencia del Medio '
                                      "Ambiente</span></p>", html=True)
        self.assertContains(response, "<p>Country: Chile</p>", html=True)
        self.assertContains(response, '<p><a class="usa-link" href="https://portal.sma.gob.cl/">'
                                      f"https://portal.sma.gob.cl/</a> {EXIT}</p>", html=True)

    def test_draft_partner_is_not_found(self):
        Partner.objects.filter(slug="sma").update(status="draft")
        self.assertEqual(self.client.get("/partners/sma/").status_code, 404)
        self.assertNotContains(self.client.get("/partners/"), "/partners/sma/")

    def test_agreements(self):
        response = self.client.get("/agreements/")
        self.assertContains(response, """
            <section id="us-chile-fta"
                     aria-labelledby="us-chile-fta-heading">
              <h2 id="us-chile-fta-heading">United States–Chile Free Trade Agreement
                (FTA)</h2>
              <dl class="details-list">
                <dt>Parties</dt><dd>United States and Chile</dd>
                <dt>Signed</dt><dd>June 6, 2003</dd>
                <dt>Entered into force</dt><dd>January 2004</dd>
                <dt>Text</dt><dd><a class="usa-link" href="https://ustr.gov/chile-fta">https://ustr.gov/chile-fta</a>
                  {EXIT}</dd>
              </dl>
            </section>""".format(EXIT=EXIT), html=True)
        self.assertContains(response, '<h2 id="us-chile-eca-heading">United '
                                      "States–Chile Environment Cooperation Agreement (ECA)</h2>", html=True)
        self.assertNotContains(response, "A draft agreement")

    def test_partner_page_lists_its_published_activities(self):
        response = self.client.get("/partners/sma/")
        listing = """<ul class="usa-list">
            <li>March 2020: <a class="usa-link" href="{webinar}">A webinar with SMA on inspections of a copper
              mine.</a></li>
            {training}
            <li><a class="usa-link" href="{materials}">Online training materials for SMA inspectors.</a></li>
            </ul>"""
        training = (f'<li>September 2017: <a class="usa-link" href="{self.training.get_absolute_url()}">'
                    "Training for SMA on compliance inspections.</a></li>")
        addresses = {"webinar": self.webinar.get_absolute_url(), "materials": self.materials.get_absolute_url()}
        self.assertContains(response, "<h2>Activities with SMA</h2>", html=True)
        self.assertContains(response, listing.format(training=training, **addresses), html=True)
        self.assertContains(response, '<p><a class="usa-link" href="/activities/?partner=sma">Filter these activities '
                                      "by year and theme</a></p>", html=True)
        Activity.objects.filter(pk=self.training.pk).update(status="draft")
        self.assertContains(self.client.get("/partners/sma/"), listing.format(training="", **addresses), html=True)


class StoredAddressTests(TestCase):
    """Addresses stored by a way in that skips the forms' checks (plain
    loaddata, SQL) are printed as their words when they are no safe link."""

    @classmethod
    def setUpTestData(cls):
        sma = make_sma()
        page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", agreements=[
            make_agreement("United States–Chile Free Trade Agreement", slug="us-chile-fta", short_name="FTA",
                           url="https://ustr.gov/chile-fta"),
        ])
        make_text(page, '<p>EPA works with the <a href="partner:sma">Superintendency of the Environment</a>.</p>')
        make_activity(page, "A webinar with SMA on inspections.", partners=[sma])
        make_agreement_list(page)
        make_page_contact(page, make_contact("Ana Ortiz", email="ana.ortiz@epa.gov"))

    def hrefs(self, url):
        html = self.client.get(url).content.decode()
        return [dict(link.attributes).get("href") or "" for link in elements(html, "a")]

    def test_a_partners_address_that_is_no_safe_link_is_printed_as_text(self):
        Partner.objects.filter(slug="sma").update(url="javascript:alert`1`")
        response = self.client.get("/partners/sma/")
        self.assertContains(response, "<p>javascript:alert`1`</p>", html=True)
        self.assertFalse([href for href in self.hrefs("/partners/sma/") if "javascript" in href])
        # Where the page's text links the partner, its words are printed.
        self.assertFalse([href for href in self.hrefs(PAGE) if "javascript" in href])
        self.assertContains(self.client.get(PAGE), "<p>EPA works with the Superintendency of the Environment.</p>",
                            html=True)

    def test_an_agreements_address_goes_where_browsers_go_or_nowhere(self):
        fta = Agreement.objects.filter(slug="us-chile-fta")
        fta.update(url="https://evil.example\\@www.epa.gov/", leaves_site=False)
        self.assertContains(self.client.get("/agreements/"), "<dd>https://evil.example\\@www.epa.gov/</dd>", html=True)
        self.assertFalse([href for href in self.hrefs("/agreements/") if "evil" in href])
        self.assertContains(self.client.get(PAGE), "<li>United States–Chile Free Trade Agreement (FTA)</li>", html=True)
        fta.update(url="https://evil.example/fta")
        # The address leaves the site, whatever the flag says.
        self.assertContains(self.client.get("/agreements/"), '<dd><a class="usa-link" href="https://evil.example/fta">'
                                                             f"https://evil.example/fta</a> {EXIT}</dd>", html=True)

    def test_a_contacts_email_is_a_mailto_link_or_text(self):
        self.assertContains(self.client.get(PAGE), '<a class="usa-link" href="mailto:ana.ortiz@epa.gov">'
                                                   "ana.ortiz@epa.gov</a>", html=True)
        Contact.objects.update(email="a\\b@epa.gov")
        self.assertContains(self.client.get(PAGE), "a\\b@epa.gov")
        self.assertFalse([href for href in self.hrefs(PAGE) if href.startswith("mailto:")])
