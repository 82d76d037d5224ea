"""{% kept "name" [what it varies on …] %}…{% endkept %}: a part of a page that
is the same for every visitor, kept in the page cache under the content
version (core.page_cache.fragment), as Django's {% cache %} tag would keep it,
but for requests only. A page rendered without one (the error pages, which
must render while the database is down, or into a file at a release) makes
the part afresh and asks the database nothing."""

from django import template

from core import page_cache

register = template.Library()

KEPT_SECONDS = 600


@register.tag
def kept(parser, token):
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("“kept” takes a name and, after it, what the part varies on.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, [parser.compile_filter(bit) for bit in bits])


class KeptNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist = nodelist
        self.key = key

    def render(self, context):
        if context.get("request") is None:
            return self.nodelist.render(context)
        name = ".".join(["part", *(str(part.resolve(context)) for part in self.key)])
        return page_cache.fragment(name, lambda: self.nodelist.render(context), timeout=KEPT_SECONDS)
