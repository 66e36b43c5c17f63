"""What of ``MEDIA_ROOT`` the development server may serve: Wagtail's images.

Image renditions (``images/``) are public by nature, and the reverse proxy of
production serves that folder and nothing else of ``MEDIA_ROOT`` (see the
README). Documents go through Wagtail's ``/documents/`` view, which checks
their collection's privacy; signed pacts and scans live under
``PRIVATE_MEDIA_ROOT`` and are served only by views that check permissions.
"""

import posixpath

from django.conf import settings
from django.http import Http404
from django.urls import re_path
from django.views.static import serve

PUBLIC_MEDIA_FOLDERS = ("images",)


def serve_public_media(request, path):
    # "images/../pacts/…" would match the pattern: judge the normalised path.
    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.split("/", 1)[0] not in PUBLIC_MEDIA_FOLDERS:
        raise Http404("Not a public file")
    return serve(request, normalised, document_root=settings.MEDIA_ROOT)


def public_media_urls():
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{prefix}(?P<path>.+)$", serve_public_media)]
