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
def exit_disclaimer_link():
    return text.exit_link()
