"""Helpers for the meeting tests (plain functions on top of tests/conftest.py's world; no tests here).

The tests travel to T0 (2025-03-03 09:00 in Yangquan); meetings are held on the days after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from estates.models import Organisation, User
from governance import services
from governance.models import Dispute, Meeting, ResidentRequest
from tests.conftest import World
from tests.governance.conftest import T0, fresh

PLACE = "小阳泉北社区党群服务中心二楼会议室"


def at(days: float, hour: int = 15) -> datetime:
    """A moment `days` after T0's day, at `hour` o'clock in Yangquan."""
    return (T0 + timedelta(days=days)).replace(hour=hour, minute=0)


def schedule(
    world: World,
    staff: User,
    *,
    days: float = 7,
    estate: Any = "default",
    kind: str = Meeting.Kind.JOINT,
    organisations: Iterable[Organisation] = (),
    people: Iterable[User] = (),
    **extra: Any,
) -> Meeting:
    """A meeting of 蕴园小区 (or, with estate=None, of the whole community) `days` after T0."""
    starts_at = at(days)
    return services.schedule_meeting(
        world.community,
        by=fresh(staff),
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        place=PLACE,
        estate=world.estate if estate == "default" else estate,
        organisations=list(organisations),
        people=list(people),
        **extra,
    )


def hold(meeting: Meeting, staff: User, *, summary: str = "会议听取了各方意见。", publish: bool = False) -> Meeting:
    """Start and close the meeting (and publish its minutes)."""
    meeting = services.start_meeting(meeting, by=fresh(staff))
    meeting = services.close_meeting(meeting, by=fresh(staff))
    if publish:
        services.update_meeting(meeting, by=fresh(staff), summary=summary)
        meeting = services.publish_minutes(meeting, by=fresh(staff))
    return meeting


def escalated(file_request: Callable[..., ResidentRequest], staff: User, **overrides: Any) -> ResidentRequest:
    """A request the resident filed and the community's staff escalated."""
    request = file_request(**overrides)
    return services.escalate_request(request, by=fresh(staff), note="居民多次反映")


def dispute(
    world: World, by: User, *, estate: Any = None, stage: str = "raised", title: str = "楼上漏水纠纷"
) -> Dispute:
    """A dispute row (the disputes topic's services are not needed to read one onto an agenda)."""
    settled = stage == Dispute.Stage.SETTLED
    return Dispute.objects.create(
        estate=estate or world.estate,
        kind=Dispute.Kind.LEAK,
        title=title,
        description="502 卫生间漏水到 402",
        stage=stage,
        outcome=Dispute.Outcome.AGREEMENT if settled else "",
        raised_by=by,
    )


def agenda(meeting: Meeting) -> list[tuple[str, int | None]]:
    """The agenda as (source, linked id) pairs, in order."""
    rows = meeting.agenda_items.order_by("position", "id").values_list(
        "source", "request_id", "dispute_id", "action_item_id"
    )
    return [(source, request or dispute_ or action) for source, request, dispute_, action in rows]
