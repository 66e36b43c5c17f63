from .pages import (
    AgendaItem,
    EventKind,
    EventPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PrivacyNoticePage,
    ProgrammePage,
    StandardPage,
)
from .registrations import (
    PendingRegistration,
    RegistrantKind,
    Registration,
    RegistrationStatus,
)
from .snippets import Speaker, Venue

__all__ = [
    "AgendaItem",
    "EventKind",
    "EventPage",
    "HomePage",
    "NewsIndexPage",
    "NewsPage",
    "PendingRegistration",
    "PrivacyNoticePage",
    "ProgrammePage",
    "Registration",
    "RegistrantKind",
    "RegistrationStatus",
    "Speaker",
    "StandardPage",
    "Venue",
]
