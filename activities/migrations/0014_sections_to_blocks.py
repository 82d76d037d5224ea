"""Each page's body becomes its blocks, in the order the page printed it:
its intro (a text), its in-page links (a link list made from its headings),
then each section in turn (its heading, its intro, its activities, its
subsections, its "Top of Page" link), then its contact. Every word stays
where it was printed; the intros' link markup becomes rich text (HTML)."""

import html
import re

from django.db import migrations

STEP = 10
LINK = re.compile(r"\[(?P<words>[^\[\]]+)\]\((?P<target>[^()\s]+)\)")


def rich_text(markup):
    """The link markup of a page's texts ("[words](target)", paragraphs apart
    by a blank line) as the rich text blocks hold it."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", markup or "") if part.strip()]
    printed = []
    for paragraph in paragraphs:
        out, last = [], 0
        for link in LINK.finditer(paragraph):
            out.append(html.escape(paragraph[last : link.start()], quote=False))
            out.append(f'<a href="{html.escape(link["target"])}">{html.escape(link["words"], quote=False)}</a>')
            last = link.end()
        out.append(html.escape(paragraph[last:], quote=False))
        printed.append("<p>" + "".join(out) + "</p>")
    return "".join(printed)
DISPLAY = {"none": "paragraph", "bulleted": "bulleted", "numbered": "numbered"}


def sections_to_blocks(apps, schema_editor):
    Program = apps.get_model("activities", "Program")
    Section = apps.get_model("activities", "Section")
    Activity = apps.get_model("activities", "Activity")
    blocks = {name: apps.get_model("activities", name) for name in (
        "Heading", "RichText", "LinkList", "PageContact", "TopOfPage",
    )}
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The snapshot rules (migration 0009) let this transaction write every snapshot.
        snapshots = ",".join(
            f"{slug}@{day.isoformat()}"
            for slug, day in Program.objects.filter(archived_on__isnull=False).values_list("slug", "archived_on")
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('coop_site.writable_snapshots', %s, true)", [snapshots])

    for program in Program.objects.all():
        ordering = 0

        def place(model_name, provenance, note, **fields):
            nonlocal ordering
            ordering += STEP
            blocks[model_name].objects.create(
                program=program, region="main", ordering=ordering, provenance=provenance,
                provenance_note=note, **fields,
            )

        own = (program.provenance, program.provenance_note)
        if program.intro:
            place("RichText", *own, text=rich_text(program.intro))
        if program.explore_label:
            place("LinkList", *own, label=program.explore_label, from_headings=True)
        sections = list(Section.objects.filter(program=program).order_by("order", "pk"))
        top_level = [section for section in sections if section.parent_id is None]

        def place_section(section, level):
            nonlocal ordering
            note = (section.provenance, section.provenance_note)
            if section.title:
                place("Heading", *note, level=level, text=section.title, anchor=section.anchor)
            if section.intro or section.exit_notice:
                place("RichText", *note, text=rich_text(section.intro), exit_notice=section.exit_notice)
            # The section's order of its activities, in the field 0013 renamed.
            for activity in Activity.objects.filter(section=section).order_by("ordering", "pk"):
                if activity.printed_in_id is None:
                    ordering += STEP
                activity.ordering = ordering  # one printed inside another stands with it
                activity.display = DISPLAY[section.list_style]
                activity.region = "main"
                activity.save(update_fields=["ordering", "display", "region"])
            for child in sections:
                if child.parent_id == section.pk:
                    place_section(child, level + 1)
            if section.top_of_page:
                place("TopOfPage", *note)

        for section in top_level:
            place_section(section, 2)
        if program.contact_id:
            place("PageContact", *own, lead=program.contact_lead, contact_id=program.contact_id)


class Migration(migrations.Migration):
    dependencies = [("activities", "0013_page_blocks")]

    operations = [migrations.RunPython(sections_to_blocks, migrations.RunPython.noop)]
