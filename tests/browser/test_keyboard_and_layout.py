"""Keyboard use, pages without JavaScript, and narrow and wide screens."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from activities import services
from activities.models import Activity, Page
from contact.models import Message
from tests.browser.pages import PUBLIC_PAGES
from tests.content import past_activities
from tests.html import PERU_PAGE

FOCUSED = "document.activeElement"


def tab_to(page, selector, *, limit=80):
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"{FOCUSED}.matches({selector!r})"):
            return
    pytest.fail(f"{selector} was not reached with Tab in {limit} presses on {page.url}")


def test_skip_link_moves_focus_to_the_main_content(site, page):
    page.goto(site + PERU_PAGE)
    page.keyboard.press("Tab")
    assert page.evaluate(f"{FOCUSED}.textContent.trim()") == "Skip to main content"
    assert page.get_by_text("Skip to main content").is_visible(), "the skip link shows when focused"
    page.keyboard.press("Enter")
    assert page.evaluate(f"{FOCUSED}.id") == "main-content"


@pytest.mark.parametrize("name", ["Peru page", "activity listing", "contact form", "activity detail"])
def test_focus_is_always_visible(site, page, name):
    page.goto(site + PUBLIC_PAGES[name])
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        element = page.evaluate(
            f"""() => {{
                const el = {FOCUSED}, style = getComputedStyle(el);
                const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                const shadow = style.boxShadow && style.boxShadow !== 'none';
                return {{html: el.outerHTML.slice(0, 120), visible: outline || shadow, body: el === document.body}};
            }}"""
        )
        if element["body"] or element["html"] in seen:
            break
        seen.add(element["html"])
        assert element["visible"], f"{name}: no visible focus on {element['html']}"
    assert len(seen) > 5, f"{name}: only {len(seen)} elements took the focus"


def test_gov_banner_opens_and_closes_from_the_keyboard(site, page):
    page.goto(site + "/")
    button = page.locator(".usa-banner__button")
    content = page.locator("#gov-banner-default")
    expect(content).to_be_hidden()
    tab_to(page, ".usa-banner__button")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(content).to_be_visible()
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(content).to_be_hidden()


def test_the_filter_form_works_by_keyboard_alone(site, page):
    page.goto(site + "/activities/")
    tab_to(page, "#id_year")
    page.keyboard.type("2017")
    tab_to(page, "input[value='adjudication']")
    page.keyboard.press("Space")
    tab_to(page, "#apply-filters")
    page.keyboard.press("Enter")
    page.wait_for_url("**/activities/2017/?theme=adjudication")
    assert page.url.endswith("/activities/2017/?theme=adjudication"), "empty fields dropped, the year in the path"
    expect(page.locator(".result-summary")).to_have_text("1 activity in 2017 on Adjudication.")


def add_activities(count):
    """``count`` activities more, in a published live version started from
    the snapshot (which does not change)."""
    live = services.start_live_version(Page.objects.get())
    Page.objects.filter(pk=live.pk).update(status="published")
    Activity.objects.bulk_create(past_activities(
        live, count, text="Extra {n}.", title="Extra activity {n}", date=datetime.date(2015, 1, 1)
    ))


def test_filtering_and_paging_work_without_javascript(site, browser):
    add_activities(30)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/activities/")
    page.get_by_label("Year").select_option("2015")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/activities/2015/")
    expect(page.locator(".result-summary")).to_have_text("30 activities in 2015, page 1 of 2.")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".result-summary")).to_have_text("30 activities in 2015, page 2 of 2.")
    assert page.url.endswith("/activities/2015/?page=2")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".result-summary")).to_have_text("47 activities, page 1 of 3.")
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_no_page_scrolls_sideways(site, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    for name, address in PUBLIC_PAGES.items():
        page.goto(site + address)
        overflow = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const wide = [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).display !== 'none')
                    .map(el => el.outerHTML.slice(0, 100));
                return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 3)};
            }"""
        )
        if overflow["scroll"] > overflow["width"]:
            problems.append(f"{name} at {width}px: {overflow['scroll']}px wide, e.g. {overflow['wide']}")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [320, 1280])
def test_the_pages_lists_and_contact_block_are_readable(site, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + PERU_PAGE)
    blocks = page.evaluate(
        """() => [...document.querySelectorAll('main li.activity, main address')].map(el => {
            const box = el.getBoundingClientRect(), style = getComputedStyle(el);
            return {text: el.textContent.trim().slice(0, 40), left: box.left, right: box.right,
                    size: parseFloat(style.fontSize), visible: box.width > 0 && style.visibility !== 'hidden'};
        })"""
    )
    context.close()
    assert len(blocks) == 15, blocks  # 5 + 3 + 6 list items and the address
    for block in blocks:
        assert block["visible"] and block["left"] >= 0 and block["right"] <= width, f"at {width}px: {block}"
        assert block["size"] >= 14, f"at {width}px, text smaller than 14px: {block}"


def test_editors_lists_fit_a_laptop_screen_beside_the_navigation_and_filters(site, browser):
    get_user_model().objects.create_superuser("editor", "editor@example.gov", "a-long-test-password")
    Message.objects.create(name="Ana Quispe", email="ana.quispe@example.pe", subject="Megacities reports",
                           body="Where can I read the burden analysis?", page=PERU_PAGE)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    problems = []
    for model in ("activities/activity", "activities/page", "activities/theme",
                  "partners/partner", "partners/agreement", "partners/contact", "contact/message"):
        page.goto(f"{site}/admin/{model}/")
        expect(page.locator("#nav-sidebar")).to_be_visible()
        width = page.evaluate("(() => { const r = document.querySelector('#changelist .results');"
                              " return [r.scrollWidth, r.clientWidth]; })()")
        if width[0] > width[1]:
            problems.append(f"{model}: the list is {width[0]}px wide in {width[1]}px")
    context.close()
    assert not problems, "\n".join(problems)


def test_at_320px_the_results_come_first_and_the_filters_open_from_their_toggle(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + "/activities/")
    first_result = page.locator(".activity-list__item a").first
    assert first_result.bounding_box()["y"] + first_result.bounding_box()["height"] <= 640, "a result in the first screen"
    year = page.get_by_label("Year")
    expect(year).to_be_hidden()
    page.get_by_text("Filter activities").click()
    expect(year).to_be_visible()
    year.select_option("2019")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/activities/2019/")
    context.close()


def test_at_320px_without_javascript_the_filters_are_open_and_work(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/activities/")
    page.get_by_label("Year").select_option("2019")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/activities/2019/")
    expect(page.locator(".result-summary")).to_have_text("2 activities in 2019.")
    context.close()


def test_wide_screens_show_the_filters_without_a_toggle(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site + "/activities/")
    expect(page.get_by_label("Year")).to_be_visible()
    expect(page.get_by_text("Filter activities", exact=True)).to_be_hidden()
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_explore_and_exit_links_are_large_enough_to_tap_and_links_are_styled(site, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + PERU_PAGE)
    for selector in (".in-page-links a", ".exit-disclaimer"):
        heights = page.eval_on_selector_all(selector, "links => links.map(a => a.getBoundingClientRect().height)")
        assert heights and min(heights) >= 24, (selector, heights)
    default_blue = "rgb(0, 0, 238)"
    colours = page.evaluate(
        """() => ['.exit-disclaimer', '.activity__date'].map(
            selector => getComputedStyle(document.querySelector(selector)).color)"""
    )
    assert default_blue not in colours, colours
    context.close()
