"""Every public template, by a name a failure message can use."""

from tests.html import PERU_PAGE

ACTIVITY = "/activities/peru-2020-03-raura-mine-inspections-webinar/"

PUBLIC_PAGES = {
    "home page": "/",
    "International Cooperation index": "/international-cooperation/",
    "Peru page": PERU_PAGE,
    "Peru page at its archive address": "/archive/2021-01-19" + PERU_PAGE,
    "archive index": "/archive/",
    "comparison of two versions": "/archive/compare/?page=peru&from=2021-01-19&to=2021-01-19",
    "comparison with a form error": "/archive/compare/?page=chile&from=2021-01-19&to=live",
    "activity listing": "/activities/",
    "filtered listing": "/activities/2019/?theme=adjudication",
    "listing by theme": "/activities/theme/enforcement-and-compliance/",
    "listing with a form error": "/activities/?year=abc",
    "empty listing": "/activities/2019/?theme=mercury",
    "activity detail": ACTIVITY,
    "partner list": "/partners/",
    "partner detail": "/partners/oefa/",
    "agreements": "/agreements/",
    "search results": "/search/?q=workshops",
    "search without words": "/search/?q=%22",
    "search before a query": "/search/",
    "external-link disclaimer": "/exit-disclaimer/",
    "about this archive": "/about-this-archive/",
    "404 page": "/no-such-page/",
    "contact form": "/contact/?page=/",
    "contact form sent": "/contact/thanks/",
    "admin login": "/admin/login/",
}
