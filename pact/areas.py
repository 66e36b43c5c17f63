"""The areas of the site pact serves (see crm.areas): a facilitator's tables
and the liaison's handovers."""

from django.utils.translation import gettext_lazy as _

from crm.areas import Area, in_group, register
from crm.permissions import is_coordinator
from crm.roles import FACILITATOR, LIAISON


def _facilitates(user) -> bool:
    if in_group(user, FACILITATOR):
        return True
    # A coordinator may name anyone as a table's facilitator.
    return user.facilitated_tables.exists()


def register_areas() -> None:
    register(
        Area(
            key="handovers",
            label=_("Handovers to Lucca Family net"),
            description=_(
                "The signed pacts and the registry handed over to Lucca Family "
                "net, to download and acknowledge."
            ),
            url_name="pact:handover_list",
            applies=lambda user: in_group(user, LIAISON),
            priority=20,
        )
    )
    register(
        Area(
            key="facilitation",
            label=_("My tables"),
            description=_(
                "The thematic tables you facilitate: record the participants' "
                "contributions and the synthesis."
            ),
            url_name="pact:facilitation_tables",
            applies=lambda user: _facilitates(user) or is_coordinator(user),
            lands=_facilitates,
            priority=30,
        )
    )
