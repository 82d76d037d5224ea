from django import template

from coop_site import text

register = template.Library()


@register.filter
def paragraphs(value):
    return text.paragraphs(value)


@register.simple_tag(takes_context=True)
def printed(context, value):
    """Print stored text with its links; partners come from the page's context."""
    return text.render_links(value, context.get("partners_by_slug", {}))


@register.simple_tag
def link(words, target, leaves_site=False):
    """A link to an address from content (a partner's, a contact's mailto:),
    made as the link markup makes one: followed by the Exit disclaimer link if
    it leaves the site (or ``leaves_site`` says so), its words alone if it is
    no safe link."""
    return text.link_html(words, target, leaves_site)


@register.simple_tag
def exit_disclaimer_link():
    return text.exit_link()
