from django import template

from core.dates import month_year

register = template.Library()


@register.filter
def month(day):
    """A date kept to the month: "March 2020"; nothing for no date."""
    return month_year(day) if day else ""
