from html import escape

from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import SimpleTestCase, TestCase, override_settings

from core.text import (
    clean_html,
    html_paragraphs,
    leaves_site,
    render_html,
    text_of_html,
    validate_address,
    validate_rich_text,
    words_of_html,
)
from partners.models import Partner
from tests.html import ParsedHtml

# Targets that look like this site's, or like a link, and are not: what a
# browser makes of each (Chromium and ada, the WHATWG URL parser, agree).
HOSTILE_TARGETS = {
    "/\\evil.example/p": "it holds a backslash, which browsers read as “/”: they go to evil.example",
    "https://evil.example\\@www.epa.gov/": "backslash, which browsers read as “/”: they go to evil.example",
    "//evil.example/p": "browsers go to evil.example with it, another site",
    "/..//evil.example/p": None,  # stays on the site: /.//evil.example/p, checked below
    "https://www.epa.gov@evil.example/": "what stands before “@” is a user name: browsers go to evil.example",
    "javascript:alert`1`": "javascript: links are not allowed",
    "JavaScript:alert`1`": "javascript: links are not allowed",
    "java\x01script:alert`1`": "the character U+0001",
    "\x00/p": "the character U+0000",
    "data:text/html,<script>alert`1`</script>": "data: links are not allowed",
    "vbscript:msgbox": "vbscript: links are not allowed",
    "ftp://evil.example/": "ftp: links are not allowed",
    "evil.example/p": "a link goes to partner:slug",
    # A path of the page on an https page, the host evil.example on an http one.
    "https:evil.example/p": "without “//” after “https:” browsers read it by the page it is on",
    "http:/evil.example/p": "without “//” after “http:”",
}
# The same in an address field, where whitespace is no end of the target.
HOSTILE_ADDRESSES = {
    " javascript:alert`1`": "a space",
    "java\tscript:alert`1`": "a tab",
    "java\nscript:alert`1`": "a line break",
    "/\t/evil.example/p": "a tab",
}


def linked(words, target):
    """A link of rich text, as the editor writes one."""
    return f'<a href="{escape(target)}">{escape(words, quote=False)}</a>'


def printed(*parts):
    """Rich text of one paragraph (``parts``: words, and links as (words, target)) as printed."""
    text = "".join(part if isinstance(part, str) else linked(*part) for part in parts)
    return render_html(f"<p>{text}</p>", {}).removeprefix("<p>").removesuffix("</p>")


class LinkTests(SimpleTestCase):
    def test_text_is_escaped_and_links_are_made(self):
        html = render_html('<p>Fish &amp; &lt;chips&gt; at <a href="/about-this-archive/">the site</a>.</p>', {})
        self.assertEqual(
            html, '<p>Fish &amp; &lt;chips&gt; at <a class="usa-link" href="/about-this-archive/">the site</a>.</p>'
        )

    def test_an_external_address_gets_the_exit_link(self):
        html = printed(("USTR", "https://ustr.gov/x"), " and ", ("EPA", "https://www.epa.gov/y"))
        self.assertIn('href="https://ustr.gov/x">USTR</a> <a class="exit-disclaimer"', html)
        self.assertEqual(html.count(">Exit</a>"), 1)

    def test_partner_links_follow_the_partner_record(self):
        oefa = Partner(slug="oefa", name="OEFA", url="https://www.gob.pe/oefa", leaves_site=True)
        html = render_html(f"<p>the {linked('agency', 'partner:oefa')}, the {linked('other', 'partner:gone')}</p>",
                           {"oefa": oefa})
        self.assertIn('<a class="usa-link" href="https://www.gob.pe/oefa">agency</a> <a class="exit-disclaimer"', html)
        self.assertTrue(html.endswith("the other</p>"))

    def test_words_and_paragraphs(self):
        text = '<p>a <a href="partner:x">b</a> c</p><p><br></p><p>two<br>still <em>two</em></p>'
        self.assertEqual(words_of_html(text), "a b c two still two")
        self.assertEqual(html_paragraphs(text), ['a <a href="partner:x">b</a> c', "two<br>still <em>two</em>"])
        self.assertEqual(text_of_html(text), "a b c\n\ntwo still two")
        self.assertEqual(html_paragraphs("Words stored without a paragraph."), ["Words stored without a paragraph."])

    def test_leaves_site(self):
        self.assertTrue(leaves_site("https://www.gob.pe/minam"))
        self.assertFalse(leaves_site("https://www.epa.gov/international-cooperation"))
        self.assertFalse(leaves_site("/exit-disclaimer/"))
        self.assertFalse(leaves_site("#top"))


def links_of(html):
    return [(link["href"], link["text"]) for link in ParsedHtml(str(html)).links]


class LinkSafetyTests(SimpleTestCase):
    """Only http, https, mailto, site paths and #anchors reach an href, read
    as browsers read them; whatever else a stored text holds is printed as
    its words."""

    def test_hostile_targets_are_printed_as_their_words(self):
        for target, problem in HOSTILE_TARGETS.items():
            if problem is None:
                continue
            with self.subTest(target=target):
                self.assertEqual(printed("Before ", ("the words", target), " after."), "Before the words after.")

    def test_a_path_that_starts_with_two_slashes_stays_on_the_site(self):
        html = printed(("x", "/..//evil.example/p"))
        # Browsers resolve /..//evil.example/p to the path //evil.example/p of this
        # site; written as it is, the path alone would read as the host evil.example.
        self.assertEqual(links_of(html), [("/.//evil.example/p", "x")])

    def test_an_address_goes_to_its_host_as_browsers_read_it_with_the_exit_link(self):
        cases = {
            # A percent-encoded dot is a dot in a host.
            "https://www.epa.gov%2eevil.example/": "https://www.epa.gov.evil.example/",
            "https://epa.gov.evil.example/": "https://epa.gov.evil.example/",
            "https://notepa.gov/": "https://notepa.gov/",
        }
        for target, href in cases.items():
            with self.subTest(target=target):
                html = printed(("x", target))
                self.assertEqual(links_of(html), [(href, "x"), ("/exit-disclaimer/", "Exit")])

    def test_an_idn_host_is_written_in_punycode_and_leaves_the_site(self):
        html = printed(("Минприроды", "https://пример.рф/о-нас"))
        self.assertEqual(
            links_of(html),
            [("https://xn--e1afmkfd.xn--p1ai/%D0%BE-%D0%BD%D0%B0%D1%81", "Минприроды"), ("/exit-disclaimer/", "Exit")],
        )

    @override_settings(SITE_OWN_DOMAINS=["пример.рф"])
    def test_own_domains_are_compared_idna_normalised(self):
        html = printed(("a", "https://xn--e1afmkfd.xn--p1ai/"), " ", ("b", "https://www.ПРИМЕР.рф/"))
        self.assertNotIn("Exit", html)
        self.assertIn("Exit", printed(("c", "https://пример.com/")))

    def test_own_domain_links_get_no_exit_link(self):
        html = printed(("a", "https://www.epa.gov/y"), " ", ("b", "HTTPS://WWW.EPA.GOV./x"), " ",
                       ("c", "http://epa.gov"), " ", ("d", "https://ｅｐａ.gov/z"))
        self.assertNotIn("Exit", html)
        self.assertEqual(
            [href for href, _ in links_of(html)],
            ["https://www.epa.gov/y", "https://www.epa.gov./x", "http://epa.gov/", "https://epa.gov/z"],
        )

    def test_a_mailto_link_is_made_without_the_exit_link(self):
        html = printed("Write to ", ("us", "mailto:international@epa.gov?subject=Peru"), ".")
        self.assertEqual(links_of(html), [("mailto:international@epa.gov?subject=Peru", "us")])

    def test_site_paths_and_anchors_are_made_as_written(self):
        html = printed(("a", "/about-this-archive/?x=1#top"), " ", ("b", "#top"), " ", ("c", "/%2F%2Fevil.example"))
        self.assertEqual(
            links_of(html), [("/about-this-archive/?x=1#top", "a"), ("#top", "b"), ("/%2F%2Fevil.example", "c")]
        )

    def test_a_partner_address_is_checked_the_same_way(self):
        stored = Partner(slug="bad", name="Bad", url="javascript:alert`1`", leaves_site=False)
        unflagged = Partner(slug="out", name="Out", url="https://www.gob.pe/oefa", leaves_site=False)
        html = render_html(f"<p>the {linked('bad one', 'partner:bad')}, the {linked('other', 'partner:out')}</p>",
                           {"bad": stored, "out": unflagged})
        self.assertEqual(links_of(html), [("https://www.gob.pe/oefa", "other"), ("/exit-disclaimer/", "Exit")])
        self.assertTrue(html.startswith("<p>the bad one, the "))

    def test_the_link_tag_prints_an_address_from_content_the_same_way(self):
        template = Template("{% load printed_text %}{% link words target flag %}")
        for target, expected in {
            "https://www.gob.pe/": [("https://www.gob.pe/", "w"), ("/exit-disclaimer/", "Exit")],
            "mailto:a@epa.gov": [("mailto:a@epa.gov", "w")],
            **{hostile: [] for hostile in HOSTILE_ADDRESSES},
        }.items():
            with self.subTest(target=target):
                html = template.render(Context({"words": "w", "target": target, "flag": False}))
                self.assertEqual(links_of(html), expected)
                self.assertIn("w", html)


class ValidateLinksTests(TestCase):
    def test_unknown_partner_and_odd_targets_are_refused(self):
        Partner.objects.create(slug="oefa", name="OEFA")
        validate_rich_text("<p>" + " ".join(linked("ok", target) for target in ("partner:oefa", "https://x.org", "#a",
                                                                               "/p/")) + "</p>")
        with self.assertRaisesMessage(ValidationError, "no partner has the slug “nobody”"):
            validate_rich_text(f"<p>{linked('x', 'partner:nobody')}</p>")
        with self.assertRaisesMessage(ValidationError, "a link goes to"):
            validate_rich_text(f"<p>{linked('x', 'javascript:void')}</p>")

    def test_hostile_targets_are_refused_naming_the_link(self):
        for target, problem in HOSTILE_TARGETS.items():
            with self.subTest(target=target):
                if problem is None:
                    validate_rich_text(f"<p>{linked('x', target)}</p>")
                    continue
                with self.assertRaises(ValidationError) as refused:
                    validate_rich_text(f"<p>Fine {linked('ok', '/p/')}, then {linked('the words', target)}.</p>")
                (message,) = refused.exception.messages
                self.assertTrue(message.startswith(f"“the words” links to {target}: "), message)
                self.assertIn(problem, message)

    def test_hostile_addresses_are_refused(self):
        for address, problem in {**HOSTILE_ADDRESSES, "https://evil.example\\@www.epa.gov/": "backslash"}.items():
            with self.subTest(address=address), self.assertRaisesMessage(ValidationError, problem):
                validate_address(address)
        validate_address("https://пример.рф/")


class RichTextTests(SimpleTestCase):
    """Rich text: HTML as the page editor writes it, kept to a few tags when saved and printed."""

    def test_only_paragraphs_emphasis_links_lists_and_language_are_kept(self):
        written = (
            '<p onclick="x()">A <strong>bold</strong>, <em>plain</em> <u>claim</u><script>alert(1)</script> '
            '<span lang="es" style="color: red">Organismo</span> <span lang="not a language">here</span> '
            '<a href="javascript:alert(1)">gone</a> <a href="https://www.example.org/" target="_blank">kept</a>.</p>'
            "<h1>Big</h1><ul><li><p>One</p><ul><li><p>Under</p></li></ul></li></ul>"
        )
        self.assertEqual(
            clean_html(written),
            '<p>A <strong>bold</strong>, <em>plain</em> claim <span lang="es">Organismo</span> <span>here</span> '
            'gone <a href="https://www.example.org/">kept</a>.</p>Big<ul><li>One<ul><li>Under</li></ul></li></ul>',
        )

    def test_without_lists_each_item_of_a_list_is_a_paragraph(self):
        written = '<p>Intro</p><ul><li><p>One <strong>a</strong></p><ul><li>Under</li></ul></li><li>Two</li></ul>'
        self.assertEqual(clean_html(written, lists=False),
                         "<p>Intro</p><p>One <strong>a</strong></p><p>Under</p><p>Two</p>")
        self.assertEqual(render_html(written, {}, lists=False), clean_html(written, lists=False))
        self.assertEqual(clean_html("<p>No list.</p>", lists=False), "<p>No list.</p>")

    def test_an_empty_editor_is_an_empty_text(self):
        for empty in ("", "<p></p>", "<p><br></p>", "  "):
            self.assertEqual(clean_html(empty), "", empty)

    def test_words_are_what_a_reader_sees(self):
        self.assertEqual(
            words_of_html('<p>Fish &amp; <a href="partner:oefa">chips</a>.</p><p>Next</p><ul><li>One</li></ul>'),
            "Fish & chips. Next One",
        )

    def test_printed_links_resolve_partners_and_carry_the_exit_link(self):
        oefa = Partner(slug="oefa", name="OEFA", url="https://www.gob.pe/oefa", leaves_site=True, status="published")
        page = ParsedHtml(render_html(
            '<p>With <a href="partner:oefa"><span lang="es">Organismo</span></a>, '
            '<a href="partner:gone">a partner not public</a>, <a href="/activities/">the listing</a> and '
            '<a href="https://www.epa.gov/">EPA</a>.</p>',
            {"oefa": oefa},
        ))
        self.assertEqual(
            [(link["text"], link["href"]) for link in page.links],
            [("Organismo", "https://www.gob.pe/oefa"), ("Exit", "/exit-disclaimer/"),
             ("the listing", "/activities/"), ("EPA", "https://www.epa.gov/")],
        )
        self.assertIn("a partner not public", page.blocks[0])

    def test_printing_cleans_again_whatever_wrote_the_text(self):
        self.assertNotIn("<script", render_html("<p>Hi<script>alert(1)</script></p>", {}))
