from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase

from coop_site.text import leaves_site, paragraphs, plain_text, render_links, validate_links
from partners.models import Partner


class LinkMarkupTests(SimpleTestCase):
    def test_text_is_escaped_and_links_are_made(self):
        html = render_links('Fish & <chips> at [the site](/about-this-archive/).', {})
        self.assertEqual(
            html, 'Fish &amp; &lt;chips&gt; at <a class="usa-link" href="/about-this-archive/">the site</a>.'
        )

    def test_an_external_address_gets_the_exit_link(self):
        html = render_links("[USTR](https://ustr.gov/x) and [EPA](https://www.epa.gov/y)", {})
        self.assertIn('href="https://ustr.gov/x">USTR</a> <a class="exit-disclaimer"', html)
        self.assertEqual(html.count(">Exit</a>"), 1)

    def test_partner_links_follow_the_partner_record(self):
        oefa = Partner(slug="oefa", name="OEFA", url="https://www.gob.pe/oefa", leaves_site=True)
        html = render_links("the [agency](partner:oefa), the [other](partner:gone)", {"oefa": oefa})
        self.assertIn('<a class="usa-link" href="https://www.gob.pe/oefa">agency</a> <a class="exit-disclaimer"', html)
        self.assertTrue(html.endswith("the other"))

    def test_plain_text_and_paragraphs(self):
        self.assertEqual(plain_text("a [b](partner:x) c"), "a b c")
        self.assertEqual(paragraphs("one\n\n  \ntwo\nstill two\n"), ["one", "two\nstill two"])

    def test_leaves_site(self):
        self.assertTrue(leaves_site("https://www.gob.pe/minam"))
        self.assertFalse(leaves_site("https://www.epa.gov/international-cooperation"))
        self.assertFalse(leaves_site("/exit-disclaimer/"))
        self.assertFalse(leaves_site("#top"))


class ValidateLinksTests(TestCase):
    def test_unknown_partner_and_odd_targets_are_refused(self):
        Partner.objects.create(slug="oefa", name="OEFA")
        validate_links("[ok](partner:oefa) [ok](https://x.org) [ok](#a) [ok](/p/)")
        with self.assertRaisesMessage(ValidationError, "no partner has the slug “nobody”"):
            validate_links("[x](partner:nobody)")
        with self.assertRaisesMessage(ValidationError, "a link goes to"):
            validate_links("[x](javascript:void)")
