from .adhesions import (
    IN_FORCE_STATUSES,
    SIGNED_STATUSES,
    Adhesion,
    AdhesionStatus,
    DocumentBranding,
    SignatureChallenge,
    SignatureMethod,
    SignedAdhesionError,
)
from .codesign import (
    Contribution,
    ContributionKind,
    Seat,
    SeatHow,
    ThematicTable,
    Workshop,
)
from .handover import (
    ExportJob,
    ExportStatus,
    HandoverBatch,
    HandoverStatus,
)
from .pacts import (
    Article,
    FrozenVersionError,
    NetworkRole,
    Pact,
    PactVersion,
    VersionStatus,
)
from .register import RegisterCheckpoint, RegisterLink, TrustedSender

__all__ = [
    "IN_FORCE_STATUSES",
    "SIGNED_STATUSES",
    "Adhesion",
    "AdhesionStatus",
    "DocumentBranding",
    "SignatureChallenge",
    "SignatureMethod",
    "SignedAdhesionError",
    "Article",
    "Contribution",
    "ExportJob",
    "ExportStatus",
    "HandoverBatch",
    "HandoverStatus",
    "ContributionKind",
    "FrozenVersionError",
    "NetworkRole",
    "Pact",
    "RegisterCheckpoint",
    "RegisterLink",
    "TrustedSender",
    "PactVersion",
    "Seat",
    "SeatHow",
    "ThematicTable",
    "VersionStatus",
    "Workshop",
]
