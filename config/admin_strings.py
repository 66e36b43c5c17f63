"""Wagtail admin strings whose Italian we word better than Wagtail's own.

Listed here so that ``makemessages`` keeps them in our catalogue, which Django
reads before Wagtail's. Never imported: the strings only need to be found.
"""

from django.utils.translation import gettext_noop

WAGTAIL_OVERRIDES = [
    # Wagtail: "Non c'è nessun inviti da mostrare" (number agreement).
    gettext_noop(
        'There are no %(model_name)s to display. Why not <a href="%(add_url)s">add '
        "one</a>?"
    ),
    gettext_noop("No %(model_name)s match your query."),
]
