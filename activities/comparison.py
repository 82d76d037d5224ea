"""What changed between two versions of a page: part by part, block by block, word by word.

A page's body is cut into parts at each heading (h2, h3 or h4); what comes
before the first heading is the page's opening, which goes with its title.
Parts are matched by their heading's anchor; within a part, activities are
matched by their slug, other blocks by their kind and text, else by their
kind and place. Every mark the comparison shows (a part added, removed or
changed; a block added, removed or changed) is one of ``Comparison.counts``.
"""

import difflib
from bisect import bisect_left
from dataclasses import dataclass, field

from core.dates import month_year
from core.text import ADDED, CHANGED, REMOVED, SAME, Words, compare_words, list_items, words_of_html

from .models import Activity, AgreementList, Heading, ItemList, LinkList, PageContact, PartnerList, RichText

# A block whose text shares at least this share of its words with a removed one of its kind is that one, changed.
SIMILAR = 0.5
# Between the items of a list or the links of a link list, as the page's bullets separate them.
ITEM_BREAK = " • "
DISPLAYS = {
    Activity.Display.BULLETED: "an item of a bulleted list",
    Activity.Display.NUMBERED: "an item of a numbered list",
    Activity.Display.PARAGRAPH: "a paragraph",
}


@dataclass
class BlockChange:
    """One block of a part: ``kind`` is SAME, ADDED, REMOVED or CHANGED."""

    kind: str
    words: Words
    notes: list = field(default_factory=list)  # what changed besides the words, in words
    identity: tuple = ()  # what makes it the same block in another part: an activity's slug, else its kind and text


@dataclass
class PartChange:
    """A part of the page: the blocks from a heading to the next one, or the
    page's opening (``anchor`` None), whose heading is the page's title."""

    kind: str  # SAME (in both versions), ADDED or REMOVED
    anchor: str | None
    heading: Words
    notes: list = field(default_factory=list)  # sentences: what changed besides the heading's words
    blocks: list = field(default_factory=list)  # BlockChange, in the newer order, removed ones where they stood

    @property
    def is_opening(self):
        return self.anchor is None

    @property
    def mark(self):
        """What the part's heading is marked with (None: nothing): the part
        added or removed, or its heading (the opening's: the title) changed."""
        if self.kind != SAME:
            return self.kind
        return CHANGED if self.heading.changed or self.notes else None

    @property
    def shown_blocks(self):
        return [block for block in self.blocks if block.kind != SAME]

    @property
    def changed(self):
        return bool(self.mark or self.shown_blocks)


@dataclass
class Comparison:
    older: object  # Page
    newer: object
    parts: list  # PartChange: the opening, then the parts in the newer order, removed ones where they stood

    @property
    def shown_parts(self):
        return [part for part in self.parts if part.changed]

    @property
    def counts(self):
        """How many marks of each kind the comparison shows: one for each
        marked part heading and one for each marked block."""
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for part in self.shown_parts:
            if part.mark:
                counts[part.mark] += 1
            for block in part.shown_blocks:
                counts[block.kind] += 1
        return counts

    @property
    def changed(self):
        return bool(self.shown_parts)


def compare_pages(older, newer):
    """Compare two versions of a page, as ``selectors.PageContent``s."""
    old_parts, new_parts = page_parts(older), page_parts(newer)
    old_by_anchor = {part.anchor: index for index, part in enumerate(old_parts)}
    pairs = {new: old_by_anchor[part.anchor] for new, part in enumerate(new_parts) if part.anchor in old_by_anchor}
    moved = out_of_order(pairs)

    changes = []
    for index, part in enumerate(new_parts):
        if index not in pairs:
            changes.append(PartChange(ADDED, part.anchor, compare_words("", part.title),
                                      blocks=compare_blocks([], part.blocks, older, newer)))
            continue
        old = old_parts[pairs[index]]
        notes = []
        if old.level != part.level:
            notes.append(f"Its heading is now an h{part.level} (it was an h{old.level}).")
        if index in moved:
            notes.append("The part moved to another place on the page.")
        changes.append(PartChange(SAME, part.anchor, compare_words(old.title, part.title), notes,
                                  blocks=compare_blocks(old.blocks, part.blocks, older, newer)))
    removed = {
        index: PartChange(REMOVED, part.anchor, compare_words(part.title, ""),
                          blocks=compare_blocks(part.blocks, [], older, newer))
        for index, part in enumerate(old_parts) if index not in pairs.values()
    }
    parts = in_newer_order(changes, removed, pairs, len(old_parts))
    note_moves_between_parts(parts)
    return Comparison(older=older.page, newer=newer.page, parts=parts)


@dataclass
class Part:
    """The blocks of one version from a heading to the next (without it)."""

    anchor: str | None  # None: the opening, before the first heading
    title: str
    level: int
    blocks: list


def page_parts(content):
    """The parts of a ``PageContent``: its opening (headed by the page's title), then one a heading."""
    parts = [Part(None, content.page.title, 1, [])]
    for block in content.blocks:
        if isinstance(block, Heading):
            parts.append(Part(block.anchor, block.text, block.level, []))
        else:
            parts[-1].blocks.append(block)
    return parts


def compare_blocks(old_blocks, new_blocks, older, newer):
    """The blocks of a part as ``older`` and ``newer`` (``PageContent``s) print them."""
    old_words = [printed_words(block, older) for block in old_blocks]
    new_words = [printed_words(block, newer) for block in new_blocks]
    pairs = pair_blocks(old_blocks, new_blocks, old_words, new_words)
    moved = out_of_order(pairs)

    changes = []
    for index, block in enumerate(new_blocks):
        if index not in pairs:
            changes.append(BlockChange(ADDED, compare_words("", new_words[index]),
                                       identity=identity(block, new_words[index])))
            continue
        before = pairs[index]
        words = compare_words(old_words[before], new_words[index])
        notes = layout_changes(old_blocks[before], block)
        if index in moved:
            notes.append("moved within this part")
        changes.append(BlockChange(CHANGED if words.changed or notes else SAME, words, notes))
    removed = {
        index: BlockChange(REMOVED, compare_words(old_words[index], ""), identity=identity(block, old_words[index]))
        for index, block in enumerate(old_blocks) if index not in pairs.values()
    }
    return in_newer_order(changes, removed, pairs, len(old_blocks))


def identity(block, words):
    return ("activity", block.slug) if isinstance(block, Activity) else (type(block).__name__, words)


def note_moves_between_parts(parts):
    """A block that left a part for another one is shown as removed from the
    one and added to the other: each says where the other is."""
    gone = {}
    for part in parts:
        for change in part.blocks:
            if change.kind == REMOVED:
                gone.setdefault(change.identity, []).append((part, change))
    for part in parts:
        for change in part.blocks:
            if change.kind == ADDED and gone.get(change.identity):
                old_part, removed = gone[change.identity].pop(0)
                change.notes.append(f"moved from {part_name(old_part, ADDED)}")
                removed.notes.append(f"moved to {part_name(part, REMOVED)}")


def part_name(part, left_out):
    """The part's name in one version: its heading's words but those ``left_out`` (ADDED or REMOVED)."""
    if part.is_opening:
        return "the page's opening"
    return "“" + " ".join(text for kind, text in part.heading.runs if kind != left_out) + "”"


def pair_blocks(old_blocks, new_blocks, old_words, new_words):
    """{index of a new block: index of the old block it is}: an activity by
    its slug; another block by its kind and text, the same or similar, else
    by its kind and place among the blocks of its kind left unpaired."""
    pairs = {}
    old_slugs = {block.slug: index for index, block in enumerate(old_blocks) if isinstance(block, Activity)}
    for index, block in enumerate(new_blocks):
        if isinstance(block, Activity) and block.slug in old_slugs:
            pairs[index] = old_slugs[block.slug]

    def unpaired():
        taken = set(pairs.values())
        new = [index for index, block in enumerate(new_blocks) if index not in pairs and not isinstance(block, Activity)]
        old = [index for index, block in enumerate(old_blocks) if index not in taken and not isinstance(block, Activity)]
        return new, old

    def same_kind(new, old):
        return type(new_blocks[new]) is type(old_blocks[old])

    new, old = unpaired()
    for index in new:
        match = next((before for before in old if same_kind(index, before) and old_words[before] == new_words[index]
                      and before not in pairs.values()), None)
        if match is not None:
            pairs[index] = match
    new, old = unpaired()
    likeness = sorted(
        ((similarity(old_words[before], new_words[index]), index, before)
         for index in new for before in old if same_kind(index, before)),
        key=lambda candidate: (-candidate[0], candidate[1], candidate[2]),
    )
    for ratio, index, before in likeness:
        if ratio >= SIMILAR and index not in pairs and before not in pairs.values():
            pairs[index] = before
    new, old = unpaired()
    for index in new:
        match = next((before for before in old if same_kind(index, before) and before not in pairs.values()), None)
        if match is not None:
            pairs[index] = match
    return pairs


def similarity(old, new):
    """The share of their words two texts have in common, in order (0 to 1)."""
    matcher = difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    # quick_ratio() is an upper bound, cheaper by far: most pairs of unrelated texts stop there.
    return matcher.ratio() if matcher.quick_ratio() >= SIMILAR else 0.0


def out_of_order(pairs):
    """The new indexes of ``pairs`` ({new index: old index}) whose order
    changed: those outside the longest run kept in the same order."""
    new_indexes = sorted(pairs)
    tails, tail_at, previous = [], [], {}
    for position, index in enumerate(new_indexes):
        old = pairs[index]
        length = bisect_left(tails, old)
        if length == len(tails):
            tails.append(old)
            tail_at.append(position)
        else:
            tails[length], tail_at[length] = old, position
        previous[position] = tail_at[length - 1] if length else None
    kept, position = set(), tail_at[-1] if tail_at else None
    while position is not None:
        kept.add(new_indexes[position])
        position = previous[position]
    return set(pairs) - kept


def in_newer_order(changes, removed, pairs, old_count):
    """``changes`` (one for each new item, in order) with the ``removed`` ones
    ({old index: change}) each placed before the item that followed it and
    is still there (at the end: nothing did)."""
    new_of_old = {old: new for new, old in pairs.items()}
    before, at_end = {}, []
    for index in sorted(removed):
        follower = next((new_of_old[later] for later in range(index + 1, old_count) if later in new_of_old), None)
        (at_end if follower is None else before.setdefault(follower, [])).append(removed[index])
    ordered = []
    for index, change in enumerate(changes):
        ordered += before.get(index, [])
        ordered.append(change)
    return ordered + at_end


def printed_words(block, content):
    """What ``block`` prints in ``content`` (a ``PageContent``), as plain words."""
    if isinstance(block, Activity):
        prefix = f"{month_year(block.printed_date)}: " if block.printed_date else ""
        return prefix + words_of_html(block.text)
    if isinstance(block, RichText):
        return words_of_html(block.text) + (" Exit" if block.exit_notice else "")
    if isinstance(block, ItemList):
        return ITEM_BREAK.join(list_items(block.items))
    if isinstance(block, LinkList):
        links = ["(links to the page's headings)"] if block.from_headings else list_items(block.links)
        return ITEM_BREAK.join([block.label, *links])
    if isinstance(block, AgreementList):
        return ITEM_BREAK.join(
            f"{agreement.title} ({agreement.short_name})" if agreement.short_name else agreement.title
            for agreement in content.agreements
        ) or "(no agreements)"
    if isinstance(block, PartnerList):
        return ITEM_BREAK.join(
            f"{partner.name} ({partner.acronym})" if partner.acronym else partner.name for partner in content.partners
        ) or "(no partners)"
    if isinstance(block, PageContact):
        contact = block.contact
        return " ".join(
            line for line in (block.lead, contact.name, contact.organization, contact.office, *contact.address_lines,
                              contact.email, contact.phone) if line
        )
    return str(block)  # "Top of Page"


def layout_changes(old, new):
    """How ``new`` is printed otherwise than ``old`` beyond its words, in words."""
    if isinstance(new, Activity) and old.display != new.display:
        return [f"now {DISPLAYS[new.display]}, was {DISPLAYS[old.display]}"]
    if isinstance(new, ItemList) and list_kind(old.items) != list_kind(new.items):
        return [f"now a {list_kind(new.items)} list, was a {list_kind(old.items)} list"]
    return []


def list_kind(items):
    """"numbered" or "bulleted": what a list block's outer list is."""
    return "numbered" if items.startswith("<ol") else "bulleted"
