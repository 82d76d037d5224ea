"""What every public model shares: a draft/published state and provenance."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property

# Publication changes only through publish, unpublish and schedule (by Publishers).
PUBLICATION_FIELDS = ("status", "publish_at")


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublicationState(models.TextChoices):
    """An item's publication as staff read it (Publishable.publication_state)."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


class Provenance(models.TextChoices):
    VERBATIM = "verbatim", "Verbatim from the archived page"
    RECONSTRUCTED = "reconstructed", "Reconstructed after the archive"
    ADDED = "added", "Added later"


class ContentQuerySet(models.QuerySet):
    """The base of the content models' QuerySets. (Every write to a content
    table moves the content version on by itself: see cache_versions.)"""

    def update(self, **kwargs):
        # Each row's revision moves on, as a save does: a form read before
        # the update is then refused like one read before a save.
        kwargs.setdefault("revision", F("revision") + 1)
        return super().update(**kwargs)


class SlugQuerySet(ContentQuerySet):
    """For models whose natural key is their slug."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def public_condition(prefix=""):
    """Published, and its publication time (if any) has come. ``prefix``
    names a relation, e.g. "section__", to ask the same of a related row."""
    return Q(**{f"{prefix}status": Status.PUBLISHED}) & (
        Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": timezone.now()})
    )


class PublishableQuerySet(ContentQuerySet):
    def published(self):
        """What anonymous visitors may see; a scheduled item appears once its time comes."""
        return self.filter(public_condition())


class PublishableSlugQuerySet(PublishableQuerySet, SlugQuerySet):
    pass


class Revised(models.Model):
    """A record's own edit counter. Staff forms and actions carry the revision
    they were read at; a save based on an older one is refused (see
    core.revisions), so that no one's edit is overwritten unseen. The
    history keeps each revision: it says who changed what since."""

    # Moves on with every save of the record. An edit counter, not content:
    # snapshot fixtures do not carry it, and forms carry it hidden.
    revision = models.PositiveIntegerField(default=1, editable=False, serialize=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            # Counted by the database, not from the value read: of two saves
            # made from one read, the second still moves it on.
            self.revision = F("revision") + 1
            update_fields = kwargs.get("update_fields")
            if update_fields:
                kwargs["update_fields"] = {*update_fields, "revision"}
        super().save(*args, **kwargs)

    def change_refusal(self, what):
        """Why ``what`` (words: "revert “…”", "change the publication of
        “…”") may not be done to this record, in words; "" when it may. The
        shared services (core.services) ask first; a model whose records may
        be read-only (a dated snapshot's) says so here."""
        return ""


class Publishable(models.Model):
    status = models.CharField(
        max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        "publication time", null=True, blank=True, db_index=True,
        help_text="A published item appears from this moment on; empty means at once.",
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        """Visible to the public now."""
        return self.status == Status.PUBLISHED and (self.publish_at is None or self.publish_at <= timezone.now())

    @property
    def is_scheduled(self):
        return self.status == Status.PUBLISHED and self.publish_at is not None and self.publish_at > timezone.now()

    @property
    def publication_state(self):
        """"Draft", "Scheduled" or "Published", as staff read it."""
        if self.status == Status.DRAFT:
            state = PublicationState.DRAFT
        else:
            state = PublicationState.SCHEDULED if self.is_scheduled else PublicationState.PUBLISHED
        return state.label


def publish_permission(model):
    """The permission to publish, unpublish and schedule ``model``'s items."""
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


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


def can_preview(user, model):
    """Staff who may change ``model``'s items see them before they are public."""
    return user.is_active and user.is_staff and user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")


class PreviewMixin:
    """For a view of one item: ``self.preview`` says whether drafts may be shown;
    such a response is never cached, since it differs from the public one."""

    preview_model = None

    @cached_property
    def preview(self):
        return can_preview(self.request.user, self.preview_model)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if self.preview:
            add_never_cache_headers(response)
        return response


def keep_revision_on_raw_save(sender, instance, raw, using, **kwargs):
    """loaddata saves every column as its fixture has it, and a fixture holds
    no revision: a record's own would go back to 1. It keeps it instead,
    moved on if the fixture changes the record."""
    if not raw or not issubclass(sender, Revised) or instance.pk is None:
        return
    stored = sender._base_manager.using(using).filter(pk=instance.pk).first()
    if stored is None:
        return
    changed = any(field.value_from_object(stored) != field.value_from_object(instance)
                  for field in sender._meta.concrete_fields if field.serialize)
    instance.revision = stored.revision + changed
