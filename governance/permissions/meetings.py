"""Who may do what with meetings: `can_…` predicates, read from the user's scope.

The community's staff run a meeting (schedule, draw and edit the agenda, record attendance,
start, close, publish the minutes). Participants and the members of participating
organisations see the meeting, its agenda and its draft minutes; everyone sees published
minutes. An action item is closed by its owner (or a member of the owning organisation) or staff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from estates.scope import scope_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

    from ..models import ActionItem, Meeting

    Person = User | AnonymousUser


def is_meeting_staff(user: Person | None, community_id: int) -> bool:
    """Staff of the meeting's community, and the admins above them."""
    scope = scope_of(user)
    return scope.is_superuser or community_id in scope.staff_community_ids


def can_schedule_meeting(user: Person | None, community_id: int) -> bool:
    return is_meeting_staff(user, community_id)


def can_manage_meeting(user: Person | None, meeting: Meeting) -> bool:
    return is_meeting_staff(user, meeting.community_id)


def can_see_meeting_privately(user: Person | None, meeting: Meeting) -> bool:
    """The agenda, participants and draft minutes: staff, participants and members of the
    participating organisations. Reads the `viewer_has_access` annotation when the query made one."""
    annotated = getattr(meeting, "viewer_has_access", None)
    if annotated is not None:
        return bool(annotated)
    scope = scope_of(user)
    if scope.is_superuser or meeting.community_id in scope.staff_community_ids:
        return True
    if not scope.user_id:
        return False
    if meeting.participants.filter(user_id=scope.user_id).exists():
        return True
    return bool(scope.organisation_ids) and meeting.organisations.filter(pk__in=scope.organisation_ids).exists()


def can_read_minutes(user: Person | None, meeting: Meeting) -> bool:
    """Published minutes are public; before that, those who see the meeting read the draft."""
    return meeting.minutes_published_at is not None or can_see_meeting_privately(user, meeting)


def is_meeting_editable(meeting: Meeting) -> bool:
    """The agenda's notes, the summary: until the minutes are published (never once cancelled)."""
    from ..models import Meeting

    return meeting.status != Meeting.Status.CANCELLED and meeting.minutes_published_at is None


def is_agenda_open(meeting: Meeting) -> bool:
    """Items are drawn or added before and during the meeting."""
    from ..models import Meeting

    return meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)


def is_recording(meeting: Meeting) -> bool:
    """Attendance and action items: during the meeting, and after it until the minutes are out."""
    from ..models import Meeting

    return meeting.minutes_published_at is None and meeting.status in (
        Meeting.Status.IN_PROGRESS,
        Meeting.Status.CLOSED,
    )


def owns_action_item(user: Person | None, item: ActionItem) -> bool:
    scope = scope_of(user)
    if not scope.user_id:
        return False
    return item.owner_id == scope.user_id or (
        item.owner_organisation_id is not None and item.owner_organisation_id in scope.organisation_ids
    )


def can_close_action_item(user: Person | None, item: ActionItem) -> bool:
    """Mark done or drop: the owner (or a member of the owning organisation) and staff."""
    return owns_action_item(user, item) or is_meeting_staff(user, item.meeting.community_id)


def allowed_meeting_actions(user: Person | None, meeting: Meeting) -> list[str]:
    """What the user may do with the meeting now (actions are POST /meetings/{id}/<action>/;
    `edit` is PATCH, `draw` the agenda's draw, `attendance` the attendance)."""
    from ..models import Meeting

    if not can_manage_meeting(user, meeting):
        return []
    S = Meeting.Status
    actions: list[str] = []
    if is_meeting_editable(meeting):
        actions.append("edit")
    if is_agenda_open(meeting):
        actions.append("draw")
    if is_recording(meeting):
        actions.append("attendance")
    for name, to in (("start", S.IN_PROGRESS), ("close", S.CLOSED), ("cancel", S.CANCELLED)):
        if meeting.can_move_to(to):
            actions.append(name)
    if meeting.status == S.CLOSED and meeting.minutes_published_at is None:
        actions.append("publish-minutes")
    return actions


def allowed_action_item_actions(user: Person | None, item: ActionItem) -> list[str]:
    from ..models import ActionItem

    if item.status != ActionItem.Status.OPEN or not can_close_action_item(user, item):
        return []
    return ["complete", "drop"]


def meeting_roles(user: Any) -> dict[str, bool]:
    """Which meeting pages and buttons the user's scope offers."""
    scope = scope_of(user)
    return {"can_schedule": scope.is_staff_anywhere, "is_signed_in": scope.user_id is not None}
