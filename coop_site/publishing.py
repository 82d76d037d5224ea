"""What every public model shares: a draft/published state and provenance."""

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Provenance(models.TextChoices):
    VERBATIM = "verbatim", "Verbatim from the archived page"
    RECONSTRUCTED = "reconstructed", "Reconstructed after the archive"
    ADDED = "added", "Added later"


class SlugQuerySet(models.QuerySet):
    """For models whose natural key is their slug."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class PublishableSlugQuerySet(PublishableQuerySet, SlugQuerySet):
    pass


class Publishable(models.Model):
    status = models.CharField(
        max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED


class Provenanced(models.Model):
    """Records where a piece of content came from, for staff."""

    provenance = models.CharField(
        max_length=20, choices=Provenance, default=Provenance.ADDED
    )
    provenance_note = models.TextField(
        blank=True, help_text="For staff: the source of this record, or what was reconstructed and why."
    )

    class Meta:
        abstract = True
