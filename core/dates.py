"""Dates as the site prints them."""

from django.utils.formats import date_format


def month_year(day):
    """A date kept to the month (an activity's, an agreement's entry into force): "March 2020"."""
    return date_format(day, "F Y")
