from crm import demo as crm_demo
from pact import demo
from pact.models import Contribution, ContributionKind, Pact, VersionStatus, Workshop


def test_the_demo_recreates_the_workshop_day_and_the_pact(db):
    crm_demo.seed()

    logins = demo.seed()
    demo.seed()  # idempotent

    workshop = Workshop.objects.get()
    assert "Casermetta San Paolino" in workshop.event.venue.name
    assert 4 <= workshop.tables.count() <= 5
    for table in workshop.tables.all():
        assert table.facilitators.exists() and table.seats.exists()
        assert table.synthesis
    kinds = set(Contribution.objects.values_list("kind", flat=True))
    assert kinds == set(ContributionKind.values)
    pact = Pact.objects.get()
    statuses = sorted(pact.versions.values_list("status", flat=True))
    assert statuses == [VersionStatus.DRAFT, VersionStatus.OPEN]
    in_force = pact.versions.get(status=VersionStatus.OPEN)
    assert in_force.articles.filter(proposals__isnull=False).exists()
    # The two facilitators, and the legal representative with a pact to sign.
    assert sorted(email for _role, email, _pw in logins) == [
        "facilitatore@luccainfamiglia.example",
        "facilitatrice@luccainfamiglia.example",
        "giorgio.landucci@example.org",
    ]
