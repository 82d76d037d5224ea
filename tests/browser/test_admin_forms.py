"""The admin's forms in a real browser: what its scripts do for staff."""

from django.contrib.auth import get_user_model
from playwright.sync_api import expect


def test_slugs_fill_in_from_titles_as_staff_type(site, page):
    get_user_model().objects.create_superuser("editor", "editor@example.gov", "a-long-test-password")
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    for model, title, slug, expected in (
        ("activities/activity", "#id_title", "#id_slug", "mercury-monitoring-workshop"),
        ("activities/section", "#id_title", "#id_anchor", "mercury-monitoring-workshop"),
        ("activities/program", "#id_title", "#id_slug", "mercury-monitoring-workshop"),
    ):
        page.goto(f"{site}/admin/{model}/add/")
        page.locator(title).press_sequentially("Mercury Monitoring Workshop")
        expect(page.locator(slug)).to_have_value(expected)
