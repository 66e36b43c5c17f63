from .codesign import (
    Contribution,
    ContributionKind,
    Seat,
    SeatHow,
    ThematicTable,
    Workshop,
)
from .pacts import (
    Article,
    FrozenVersionError,
    NetworkRole,
    Pact,
    PactVersion,
    VersionStatus,
)

__all__ = [
    "Article",
    "Contribution",
    "ContributionKind",
    "FrozenVersionError",
    "NetworkRole",
    "Pact",
    "PactVersion",
    "Seat",
    "SeatHow",
    "ThematicTable",
    "VersionStatus",
    "Workshop",
]
