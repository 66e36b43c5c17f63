from .activity import Consent, ConsentHow, ConsentPurpose, Interaction, InteractionKind
from .audit import DataExportLog
from .members import (
    Child,
    InstitutionType,
    Member,
    MemberKind,
    MemberSource,
    MemberStatus,
)
from .people import Affiliation, AffiliationRole, Person
from .roles import (
    APP_ROLES,
    MEMBER_ROLES,
    ErasureOutcome,
    ErasureRequest,
    ErasureSource,
    Invitation,
    InvitationStatus,
    Role,
    RoleAssignment,
)
from .taxonomy import Municipality, Topic

__all__ = [
    "Affiliation",
    "AffiliationRole",
    "Child",
    "Consent",
    "ConsentHow",
    "ConsentPurpose",
    "DataExportLog",
    "InstitutionType",
    "Interaction",
    "InteractionKind",
    "Member",
    "MemberKind",
    "MemberSource",
    "MemberStatus",
    "Municipality",
    "Person",
    "Topic",
    "APP_ROLES",
    "MEMBER_ROLES",
    "ErasureOutcome",
    "ErasureRequest",
    "ErasureSource",
    "Invitation",
    "InvitationStatus",
    "Role",
    "RoleAssignment",
]
