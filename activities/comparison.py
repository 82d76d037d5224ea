"""What changed between two versions of a page, section by section and word by word."""

from dataclasses import dataclass, field

from coop_site.text import ADDED, CHANGED, REMOVED, SAME, Words, compare_words, plain_text


@dataclass
class ItemChange:
    """One printed item (an activity) of a section."""

    kind: str
    words: Words
    moved_from: str = ""  # the section it was printed in before, if it moved


@dataclass
class SectionChange:
    kind: str
    anchor: str
    title: Words
    intro: Words
    items: list = field(default_factory=list)

    @property
    def changed(self):
        return self.kind != SAME or self.title.changed or self.intro.changed or any(
            item.kind != SAME for item in self.items
        )


@dataclass
class Comparison:
    older: object  # Program
    newer: object
    title: Words
    intro: Words
    sections: list  # SectionChange, in the newer version's order, removed ones where they stood

    @property
    def counts(self):
        """How many of the marked parts (the page's opening, sections, items)
        were added, removed and changed: one for each mark the comparison shows."""
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        if self.title.changed or self.intro.changed:  # marked "Page title and introduction: Changed"
            counts[CHANGED] += 1
        for section in self.sections:
            if section.kind != SAME:
                counts[section.kind] += 1
            elif section.title.changed or section.intro.changed:
                counts[CHANGED] += 1
            for item in section.items:
                if item.kind != SAME:
                    counts[item.kind] += 1
        return counts

    @property
    def changed(self):
        return self.title.changed or self.intro.changed or any(section.changed for section in self.sections)


def item_text(activity):
    """An item as the page prints it: "March 2020: text"."""
    prefix = f"{activity.date:%B %Y}: " if activity.date else ""
    return prefix + plain_text(activity.text)


def compare_pages(older, newer):
    """Compare two ``selectors.ProgramPage``s: sections matched by their anchor,
    items by their slug (so an item that moved is shown where it is now)."""
    old_sections = _flatten(older.sections)
    new_sections = _flatten(newer.sections)
    old_by_anchor = {section.anchor: section for section in old_sections}
    new_anchors = {section.anchor for section in new_sections}
    old_items = {item.slug: (item, section) for section in old_sections for item in section.items}
    new_slugs = {item.slug for section in new_sections for item in section.items}

    changes = []
    removed_before = _removed_sections_by_successor(old_sections, new_anchors)
    for section in new_sections:
        for gone in removed_before.get(section.anchor, []):
            changes.append(_section_gone(gone, new_slugs))
        old = old_by_anchor.get(section.anchor)
        items = []
        old_position = {item.slug: index for index, item in enumerate(old.items)} if old else {}
        for item in section.items:
            before = old_items.get(item.slug)
            if before is None:
                items.append(ItemChange(ADDED, compare_words("", item_text(item))))
                continue
            old_item, old_section = before
            words = compare_words(item_text(old_item), item_text(item))
            moved_from = old_section.title or old_section.anchor if old_section.anchor != section.anchor else ""
            items.append(ItemChange(CHANGED if words.changed or moved_from else SAME, words, moved_from))
        if old:
            # Items that left this section (and the page) are shown after the ones before them.
            for item in old.items:
                if item.slug not in new_slugs:
                    position = old_position[item.slug]
                    items.insert(min(position, len(items)), ItemChange(REMOVED, compare_words(item_text(item), "")))
        changes.append(SectionChange(
            kind=SAME if old else ADDED,
            anchor=section.anchor,
            title=compare_words(old.title if old else "", section.title),
            intro=compare_words(plain_text(old.intro) if old else "", plain_text(section.intro)),
            items=items,
        ))
    for gone in removed_before.get(None, []):
        changes.append(_section_gone(gone, new_slugs))
    return Comparison(
        older=older.program,
        newer=newer.program,
        title=compare_words(older.program.title, newer.program.title),
        intro=compare_words(plain_text(older.program.intro), plain_text(newer.program.intro)),
        sections=changes,
    )


def _flatten(top_level):
    """Sections in printed order, each subsection after its parent."""
    flat = []
    for section in top_level:
        flat.append(section)
        flat.extend(section.subsections)
    return flat


def _removed_sections_by_successor(old_sections, new_anchors):
    """Removed sections keyed by the anchor of the next section that remains
    (None: at the end), so they are shown where they stood."""
    removed, waiting = {}, []
    for section in old_sections:
        if section.anchor in new_anchors:
            if waiting:
                removed[section.anchor], waiting = waiting, []
        else:
            waiting.append(section)
    if waiting:
        removed[None] = waiting
    return removed


def _section_gone(section, new_slugs):
    return SectionChange(
        kind=REMOVED,
        anchor=section.anchor,
        title=compare_words(section.title, ""),
        intro=compare_words(plain_text(section.intro), ""),
        # An item that moved to another section is shown there, not as removed.
        items=[
            ItemChange(REMOVED, compare_words(item_text(item), ""))
            for item in section.items if item.slug not in new_slugs
        ],
    )

