from django.db import models


class ContentVersion(models.Model):
    """The one row that says which version of the content is current: cached
    pages and fragments are keyed by its number (see core.cache_versions).
    Database triggers on every content table move the number on, in the same
    transaction as the change."""

    number = models.BigIntegerField()
    # The earliest scheduled publication time still to come (empty: none), as
    # last looked up; not known again after each change.
    next_publication = models.DateTimeField(null=True, blank=True)
    next_publication_known = models.BooleanField(default=False)

    class Meta:
        # The table it had in coop_site, where it was made: the triggers on
        # every content table name it in their SQL, and the workers of the
        # release before read it while a release migrates.
        db_table = "coop_site_contentversion"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="content_version_one_row")]

    def __str__(self):
        return f"Content version {self.number}"
