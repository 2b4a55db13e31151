"""Who may do what with notices (公告): published notices are public; the community's staff
(and the admins above them) write, edit, pin and withdraw them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from estates.permissions import can_manage_community

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

    from ..models import Notice

    Person = User | AnonymousUser


def can_manage_notices(user: Person | None, community_id: int) -> bool:
    """Write the community's notices, for the whole community or one of its estates."""
    return can_manage_community(user, community_id)


def can_manage_notice(user: Person | None, notice: Notice) -> bool:
    return can_manage_notices(user, notice.community_id)
