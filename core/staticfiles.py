"""The static files' storage: WhiteNoise's (compressed, hashed names from the
manifest), with each file's address worked out once a process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The manifest is read when a process starts and does not change under it
    (a release collects the files anew and restarts the workers), so a file's
    address is too. A page names about ten static files, and working out each
    address again took a tenth of an uncached page's time. Names outside the
    manifest are refused as before, and not kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses = {}

    def url(self, name, force=False):
        if settings.DEBUG or force:
            return super().url(name, force)
        try:
            return self._addresses[name]
        except KeyError:
            address = self._addresses[name] = super().url(name)
            return address
