from django.apps import AppConfig
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _


class PactConfig(AppConfig):
    name = "pact"
    verbose_name = _("Pact")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pact import checks  # noqa: F401  (registers the seal's system checks)
        from pact.areas import register_areas
        from pact.models import Adhesion, Article
        from pact.models.adhesions import guard_commitment_topics
        from pact.models.pacts import guard_article_proposals
        from pact.personal_data import register_describers
        from pact.story import register_story

        # A guard, not business logic: the freeze must hold for m2m writes too.
        m2m_changed.connect(
            guard_article_proposals,
            sender=Article.proposals.through,
            dispatch_uid="pact.guard_article_proposals",
        )
        # Likewise, a signed adhesion's offers never change.
        m2m_changed.connect(
            guard_commitment_topics,
            sender=Adhesion.commitment_topics.through,
            dispatch_uid="pact.guard_commitment_topics",
        )
        register_areas()
        register_describers()
        register_story()
