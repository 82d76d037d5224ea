"""axe-core with the WCAG 2.0 and 2.1 A and AA rules on every public template."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import PUBLIC_PAGES

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page, name):
    results = Axe().run(page, options=WCAG_AA).response["violations"]
    return [
        f"{name}: rule {violation['id']} ({violation['help']}) on {', '.join(map(str, node['target']))}: {node['html'][:160]}"
        for violation in results
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_wcag_violations(site, page, name):
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(site + PUBLIC_PAGES[name])
    problems = violations(page, name)
    assert not problems, "\n".join(problems)
    # The Content-Security-Policy blocks nothing the page needs (it would say so here).
    blocked = [text for text in console_errors if "Content Security Policy" in text]
    assert not blocked, f"{name}: " + "\n".join(blocked)


def test_contact_form_with_errors_has_no_wcag_violations(site, page):
    page.goto(site + "/contact/")
    page.get_by_role("button", name="Send message").click()
    assert page.get_by_text("Please correct these problems").is_visible()
    problems = violations(page, "contact form with errors")
    assert not problems, "\n".join(problems)
