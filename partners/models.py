from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.publishing import Provenanced, Publishable, PublishableSlugQuerySet, Revised, SlugQuerySet
from core.text import validate_address


class Partner(Revised, Publishable, Provenanced):
    """An organisation EPA works with."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, help_text="English name, as printed.")
    acronym = models.CharField(max_length=30, blank=True)
    local_name = models.CharField(
        max_length=200, blank=True, help_text="The name in the organisation's own language."
    )
    local_name_language = models.CharField(
        max_length=20, blank=True, help_text="Language code of that name, e.g. es for Spanish."
    )
    country = models.CharField(max_length=100, blank=True)
    url = models.URLField(blank=True, verbose_name="web address", validators=[validate_address])
    leaves_site = models.BooleanField(
        default=True,
        verbose_name="link leaves the site",
        help_text="Links to this partner are followed by the Exit disclaimer link.",
    )

    objects = PublishableSlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [("publish_partner", "Can publish, unpublish and schedule partners")]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("partners:partner_detail", kwargs={"slug": self.slug})


class Agreement(Revised, Publishable, Provenanced):
    """A treaty or memorandum under which the cooperation takes place."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300)
    short_name = models.CharField(max_length=30, blank=True, help_text="e.g. TPA, ECA")
    parties = models.CharField(max_length=300, blank=True, help_text="e.g. United States and Peru")
    signed_on = models.DateField(null=True, blank=True)
    in_force_from = models.DateField(
        null=True, blank=True, verbose_name="entered into force",
        help_text="Month precision: use the first day of the month when only the month is known.",
    )
    url = models.URLField(blank=True, verbose_name="web address", validators=[validate_address])
    leaves_site = models.BooleanField(default=True, verbose_name="link leaves the site")

    objects = PublishableSlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-in_force_from", "title"]
        permissions = [("publish_agreement", "Can publish, unpublish and schedule agreements")]

    def __str__(self):
        return f"{self.title} ({self.short_name})" if self.short_name else self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("partners:agreement_list") + f"#{self.slug}"


class Contact(Revised, Provenanced):
    """The "For additional information..." block of a page."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    organization = models.CharField(max_length=200, blank=True)
    office = models.CharField(max_length=200, blank=True, help_text="Office and mail code.")
    address = models.TextField(blank=True, help_text="One line per address line.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.office}" if self.office else self.name

    def natural_key(self):
        return (self.slug,)

    @property
    def address_lines(self):
        return [line for line in self.address.splitlines() if line.strip()]
