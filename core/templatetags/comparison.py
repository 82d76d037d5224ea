from django import template
from django.utils.html import format_html, format_html_join

from core.text import ADDED, REMOVED

register = template.Library()

# Screen readers do not announce <ins> and <del>, so the change is said in words too.
MARKUP = {
    ADDED: '<ins class="comparison__added"><span class="usa-sr-only">[added: </span>{}<span class="usa-sr-only">]</span></ins>',
    REMOVED: '<del class="comparison__removed"><span class="usa-sr-only">[removed: </span>{}<span class="usa-sr-only">]</span></del>',
}


@register.simple_tag
def words(changed_words):
    """A text with its removed words struck through and its added words underlined."""
    return format_html_join(" ", "{}", ((format_html(MARKUP.get(kind, "{}"), text),) for kind, text in changed_words.runs))
