"""The admin's forms in a real browser: what its scripts do for staff, under the site's
Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from activities import services
from activities.models import Page, RichText
from tests.content import staff_user

PASSWORD = "a long passphrase"
# The migrations that give the groups their rights (and, for each, its step that does).
GROUP_MIGRATIONS = [
    ("activities", "0003_editor_and_publisher_groups", None),
    ("contact", "0002_staff_handle_messages", None),
    ("activities", "0016_block_permissions_for_staff_groups", None),
    ("activities", "0018_program_is_page", "rename_permissions"),
]


@pytest.fixture
def staff_groups(transactional_db):
    """The Editors and Publishers groups as the migrations make them: each test of the live server
    empties the database after it, and its serialized rollback does not reach the browser's tests."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    for app_label, name, step in GROUP_MIGRATIONS:
        apps = loader.project_state((app_label, name), at_end=False).apps
        for operation in loader.get_migration(app_label, name).operations:
            if hasattr(operation, "code") and step in (None, operation.code.__name__):
                operation.code(apps, None)


@pytest.fixture
def watched(page):
    """The page, and what its console and scripts report: anything the policy blocks, any script error."""
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return page, problems


def log_in(page, site, username):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Pages, activities, partners and messages")).to_be_visible()


class BodyEditor:
    """The page form's body, as django-content-editor shows it: blocks in order, "+" buttons to add one."""

    def __init__(self, page):
        self.page = page
        self.rows = {}  # a kind's rows added so far, by its inline's prefix

    def blocks(self):
        """The kinds and labels of the blocks, in the order the editor shows them."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
                ".order-machine .inline-related:not(.empty-form)")]
            .sort((a, b) => a.style.order - b.style.order)
            .map((row) => row.querySelector("h3 b").textContent.trim())""")

    def add(self, kind, prefix):
        """Add a block of ``kind`` at the end, as staff do: the last "+", then the kind's button. Its row's prefix."""
        self.page.locator(".order-machine-insert-target.last").click()
        self.page.locator(".plugin-buttons").get_by_title(kind, exact=True).click()
        index = self.rows.get(prefix, int(self.page.locator(f"#id_{prefix}-INITIAL_FORMS").input_value()))
        self.rows[prefix] = index + 1
        row = f"{prefix}-{index}"
        expect(self.page.locator(f"#{row}")).to_be_visible()
        return row

    def fill(self, row, **fields):
        for name, value in fields.items():
            field = self.page.locator(f"#id_{row}-{name}")
            if field.evaluate("element => element.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)

    def write(self, row, name, *paragraphs, as_list=None, links=None):
        """Type into a rich text field (django-prose-editor) as staff do: ``paragraphs``, each its own,
        or with ``as_list`` ("bulletList", "orderedList") the items of a list, an item starting "- " going
        under the one above. ``links``: each written item made a link to its address, by the link button."""
        editor = self.page.locator(f"#{row} .field-{name} .prose-editor")
        editor.locator(".ProseMirror").click()
        if as_list:
            editor.locator(f'.prose-menubar__button[data-name="{as_list}"]').click()
        for number, text in enumerate(paragraphs):
            if number:
                self.page.keyboard.press("Enter")
            if text.startswith("- "):
                self.page.keyboard.press("Tab")
                text = text[2:]
            self.page.keyboard.type(text)
            if links:
                self.page.keyboard.press("Shift+Home")
                editor.locator('.prose-menubar__button[data-name="link"]').click()
                dialog = self.page.locator("dialog.prose-editor-dialog[open]")
                dialog.get_by_label("URL").fill(links[number])
                dialog.get_by_role("button", name="Update").click()
                self.page.keyboard.press("End")

    def mark_language(self, row, name, phrase, language):
        """Select ``phrase`` in a rich text field and give it a language, with the editor's language button."""
        editor = self.page.locator(f"#{row} .field-{name} .prose-editor")
        editor.locator(".ProseMirror").evaluate("""(element, phrase) => {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.textContent.indexOf(phrase);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + phrase.length);
                getSelection().removeAllRanges();
                getSelection().addRange(range);
                return;
            }
        }""", phrase)
        editor.locator('.prose-menubar__button[data-name="language"]').click()
        dialog = self.page.locator("dialog.prose-editor-dialog[open]")
        dialog.get_by_label("Language (e.g. es, pt-BR); empty to remove").fill(language)
        dialog.get_by_role("button", name="Update").click()

    def choose(self, row, name, typed, option):
        """Pick ``option`` in an autocomplete field, as staff do: type, then click it."""
        self.page.locator(f"#id_{row}-{name} + .select2").click()
        self.page.locator(".select2-container--open .select2-search__field").fill(typed)
        self.page.locator(".select2-results__option", has_text=option).click()


def test_slugs_and_anchors_fill_in_from_titles_as_staff_type(site, staff_groups, watched):
    page, problems = watched
    staff_user("editor", "Editors")
    log_in(page, site, "editor")
    for model, title, slug, expected in (
        ("activities/activity", "#id_title", "#id_slug", "mercury-monitoring-workshop"),
        ("activities/page", "#id_title", "#id_slug", "mercury-monitoring-workshop"),
    ):
        page.goto(f"{site}/admin/{model}/add/")
        page.locator(title).press_sequentially("Mercury Monitoring Workshop")
        expect(page.locator(slug)).to_have_value(expected)
    body = BodyEditor(page)
    heading = body.add("Heading", "heading_blocks")
    page.locator(f"#id_{heading}-text").press_sequentially("Past Activities")
    expect(page.locator(f"#id_{heading}-anchor")).to_have_value("past-activities")
    assert not problems, "\n".join(problems)


def test_the_page_forms_run_whole_under_the_policy_and_a_snapshot_shows_its_body_in_order(site, staff_groups, watched):
    page, problems = watched
    staff_user("publisher", "Publishers")
    log_in(page, site, "publisher")
    snapshot = Page.objects.get()
    page.goto(f"{site}/admin/activities/page/{snapshot.pk}/change/")
    body = BodyEditor(page)
    shown = body.blocks()
    assert shown[:5] == ["Text:", "Link list:", "Activity:", "Activity:", "Heading:"], shown
    assert len(shown) == 35
    expect(page.locator(".order-machine-wrapper")).to_have_class(re.compile(r"\border-machine-readonly\b"))
    expect(page.locator(".order-machine-insert-target:visible")).to_have_count(0)  # no "+" to add a block
    expect(page.locator(".order-machine textarea, .order-machine input[type=text]")).to_have_count(0)
    # The editor's own style ("(Hide)" after each block's label) applies: the policy lets it in by its hash.
    label = page.locator(".order-machine .inline-related:not(.empty-form) .inline_label").first
    assert label.evaluate("element => getComputedStyle(element, '::after').content") == '"(Hide)"'
    page.goto(f"{site}/admin/activities/page/add/")
    expect(page.locator(".order-machine-insert-target.last")).to_be_visible()
    assert not problems, "\n".join(problems)


def test_a_publisher_builds_a_page_by_clicking_publishes_it_and_finds_it_listed(site, staff_groups, watched):
    page, problems = watched
    staff_user("publisher", "Publishers")
    log_in(page, site, "publisher")
    page.goto(f"{site}/admin/activities/page/add/")
    page.locator("#id_title").fill("EPA Collaboration with Chile")
    page.locator("#id_country").fill("Chile")
    body = BodyEditor(page)

    heading = body.add("Heading", "heading_blocks")
    body.fill(heading, text="Activities with Chile")
    first = body.add("Text", "richtext_blocks")
    body.write(first, "text", "EPA and Chile have worked together since 2003.")
    second = body.add("Text", "richtext_blocks")
    body.write(second, "text", "Their work covers air, water and waste.")
    items = body.add("List", "itemlist_blocks")
    body.write(items, "items", "Air quality", "Mercury", "- Artisanal gold mining", as_list="orderedList")
    workshop = body.add("Activity", "activities")
    body.fill(workshop, title="Air quality workshop in Santiago", slug="chile-2022-05-air-quality-workshop",
              date="2022-05-01")
    body.write(workshop, "text", "Air quality workshop in Santiago with the Ministry of Environment.")
    body.choose(workshop, "themes", "Air", "Air quality")
    training = body.add("Activity", "activities")
    body.fill(training, title="Mercury monitoring training", slug="chile-2022-08-mercury-training",
              date="2022-08-01")
    body.write(training, "text", "Training on mercury monitoring for Chilean inspectors.")
    body.choose(training, "themes", "Merc", "Mercury")
    # A theme that does not exist yet, made in the "+" popup without leaving the page's form.
    with page.expect_popup() as opened:
        page.locator(f"#add_id_{training}-themes").click()
    popup = opened.value
    popup.get_by_label("Name:").fill("Mine safety")
    popup.get_by_role("button", name="Save", exact=True).first.click()
    popup.wait_for_event("close")
    expect(page.locator(f"#id_{training}-themes option:checked")).to_have_text(["Mercury", "Mine safety"])
    links = body.add("Link list", "linklist_blocks")
    body.fill(links, label="On other pages:")
    body.write(links, "links", "EPA Collaboration with Peru", as_list="bulletList",
               links=["/international-cooperation/epa-collaboration-peru/"])
    contact = body.add("Contact", "pagecontact_blocks")
    body.fill(contact, lead="For more on EPA's work with Chile, contact:")
    body.choose(contact, "contact", "Hong", "Nadtya Hong")
    assert body.blocks() == ["Heading:", "Text:", "Text:", "List:", "Activity:", "Activity:", "Link list:",
                             "Contact:"]
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    chile = Page.objects.get(slug="epa-collaboration-with-chile")
    publish(page, f"{site}/admin/activities/page/", [chile.pk])
    publish(page, f"{site}/admin/activities/activity/?page__id__exact={chile.pk}",
            list(chile.activities.values_list("pk", flat=True)))

    page.goto(site + chile.page_url)
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("EPA Collaboration with Chile")
    expect(main.get_by_role("heading", level=2)).to_have_text("Activities with Chile")
    expect(main.locator("ol > li > ol > li")).to_have_text(["Artisanal gold mining"])  # under "Mercury"
    expect(main.locator("ol > li")).to_have_count(3)
    expect(main.get_by_role("link", name="EPA Collaboration with Peru")).to_have_attribute(
        "href", "/international-cooperation/epa-collaboration-peru/")
    text = main.inner_text()
    order = ["Activities with Chile", "since 2003", "air, water and waste", "Artisanal gold mining",
             "Air quality workshop in Santiago with", "Training on mercury monitoring", "On other pages:",
             "For more on EPA's work with Chile, contact:", "Nadtya Hong"]
    places = [text.find(words) for words in order]
    assert -1 not in places and places == sorted(places), list(zip(order, places))

    page.goto(site + "/activities/")
    expect(page.get_by_role("link", name="Air quality workshop in Santiago")).to_be_visible()
    expect(page.get_by_role("link", name="Mercury monitoring training")).to_be_visible()
    page.goto(site + "/activities/theme/mine-safety/")
    expect(page.get_by_role("link", name="Mercury monitoring training")).to_be_visible()
    assert not problems, "\n".join(problems)


def publish(page, changelist, pks):
    """Tick ``pks`` in a changelist, choose "Publish … now", and confirm it."""
    page.goto(changelist)
    for pk in pks:
        page.locator(f'input[name="_selected_action"][value="{pk}"]').check()
    page.locator("select[name=action]").select_option(value="publish_selected")
    page.get_by_role("button", name="Run").click()
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Published")



def test_an_editor_marks_a_spanish_name_as_spanish(site, staff_groups, watched):
    page, problems = watched
    staff_user("editor", "Editors")
    live = services.start_live_version(Page.objects.get())
    log_in(page, site, "editor")
    page.goto(f"{site}/admin/activities/page/{live.pk}/change/")
    body = BodyEditor(page)
    text = body.add("Text", "richtext_blocks")
    body.write(text, "text", "A workshop with the Organismo de Evaluación y Fiscalización Ambiental.")
    body.mark_language(text, "text", "Organismo de Evaluación y Fiscalización Ambiental", "es")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = RichText.objects.get(page=live, text__contains="A workshop")
    assert '<span lang="es">Organismo de Evaluación y Fiscalización Ambiental</span>' in saved.text, saved.text
    assert not problems, "\n".join(problems)
