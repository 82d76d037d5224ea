"""Every public template, by a name a failure message can use."""

from tests.html import PERU_PAGE

ACTIVITY = "/activities/peru-2020-03-raura-mine-inspections-webinar/"

PUBLIC_PAGES = {
    "home page": "/",
    "International Cooperation index": "/international-cooperation/",
    "Peru page": PERU_PAGE,
    "activity listing": "/activities/",
    "filtered listing": "/activities/2019/?theme=adjudication",
    "listing by theme": "/activities/theme/enforcement-and-compliance/",
    "listing with a form error": "/activities/?year=abc",
    "empty listing": "/activities/2019/?theme=mercury",
    "activity detail": ACTIVITY,
    "partner list": "/partners/",
    "partner detail": "/partners/oefa/",
    "agreements": "/agreements/",
    "external-link disclaimer": "/exit-disclaimer/",
    "about this archive": "/about-this-archive/",
    "404 page": "/no-such-page/",
    "contact form": "/contact/?page=/",
    "contact form sent": "/contact/thanks/",
    "admin login": "/admin/login/",
}
