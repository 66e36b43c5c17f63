"""Where private files live: ``PRIVATE_MEDIA_ROOT``, never under ``MEDIA_ROOT``.

Signed pacts, the scans and signed files they came from, exports and handover
bundles are personal data. Nothing serves this folder by URL, in any setting
(the development server serves only Wagtail's images of ``MEDIA_ROOT``):
views that check permissions stream each file to whoever may have it.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files beside ``MEDIA_ROOT``, never below it (so never served by URL).

    The folder is read from the settings on each use: tests move ``MEDIA_ROOT``
    to a temporary folder and the private files follow.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return Path(configured or Path(settings.MEDIA_ROOT).parent / "private")

    @property
    def location(self):
        return str(self.base_location.resolve())

    def url(self, name):
        raise ValueError("Private files have no public URL.")


def private_storage():
    return PrivateStorage()
