from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from core import text

register = template.Library()


@register.simple_tag(takes_context=True)
def rich_text(context, value):
    """Rich text without lists as printed, each paragraph a <p>, with its
    links; partners come from the page's context."""
    printed = text.render_html(value, context.get("partners_by_slug", {}), lists=False)
    return format_html_join("\n", "<p>{}</p>", ((mark_safe(paragraph),) for paragraph in text.html_paragraphs(printed)))


@register.simple_tag
def link(words, target, leaves_site=False):
    """A link to an address from content (a partner's, a contact's mailto:),
    made as rich text's links are made: followed by the Exit disclaimer link
    if it leaves the site (or ``leaves_site`` says so), its words alone if it
    is no safe link."""
    return text.link_html(words, target, leaves_site)


@register.simple_tag
def exit_disclaimer_link():
    return text.exit_link()
