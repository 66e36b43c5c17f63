"""Writes for the pact app. Views, admin views, commands and the demo call these."""

from .codesign import (
    PlacementResult,
    TableClosedError,
    contribution_delete,
    contribution_record,
    contribution_update,
    seat_assign,
    seat_remove,
    table_close,
    table_reopen,
    table_synthesis_save,
    workshop_place_participants,
)
from .pacts import (
    article_save,
    network_role_save,
    pact_version_close,
    pact_version_create,
    pact_version_delete,
    pact_version_open,
    pact_version_update,
)

__all__ = [
    "PlacementResult",
    "TableClosedError",
    "article_save",
    "contribution_delete",
    "contribution_record",
    "contribution_update",
    "network_role_save",
    "pact_version_close",
    "pact_version_create",
    "pact_version_delete",
    "pact_version_open",
    "pact_version_update",
    "seat_assign",
    "seat_remove",
    "table_close",
    "table_reopen",
    "table_synthesis_save",
    "workshop_place_participants",
]
