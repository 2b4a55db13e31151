"""Every write to meetings (联席会议 and the four consultations of 三事四协商): one function each,
checked, in one transaction.

A state change locks the meeting row, checks that the user is staff of the meeting's community
(NotAllowed → 403) and the transition table (Conflict → 409), validates its input (Invalid → 400),
saves and writes a timeline entry (MeetingEvent).

The agenda draws itself (`build_agenda`): the estate's (or, for a community meeting, every
estate's) escalated requests that are still open and that no earlier meeting dealt with, its
open disputes, and the open action items of earlier meetings — which therefore carry over, from
meeting to meeting, until someone marks them done or drops them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Community, Estate, Membership, Organisation, User

from ..models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Dispute,
    Meeting,
    MeetingEvent,
    MeetingParticipant,
    Reminder,
    ResidentRequest,
)
from ..permissions import meetings as permissions
from .notifications import (
    REQUEST_REMINDER_LOOKBACK,
    days_with_moment_in,
    local_text,
    reminder_drafts,
    reminder_key,
    schedule_reminders,
)

__all__ = [
    "add_action_item",
    "add_agenda_item",
    "build_agenda",
    "cancel_meeting",
    "close_meeting",
    "complete_action_item",
    "draw_agenda",
    "drop_action_item",
    "invitable_people",
    "meeting_organisations",
    "plan_meeting_reminders",
    "publish_minutes",
    "record_attendance",
    "reorder_agenda",
    "reset_calendar_feed",
    "schedule_meeting",
    "schedule_meeting_reminders",
    "start_meeting",
    "update_agenda_item",
    "update_meeting",
]

Person = Any  # User or AnonymousUser
MeetingStatus = Meeting.Status
MeetingAction = MeetingEvent.Action
ReminderKind = Reminder.Kind

MAX_TEXT = 5000
MAX_DURATION = timedelta(hours=12)
MAX_DISTANCE = timedelta(days=366)
MAX_DUE = timedelta(days=731)
HAND_SOURCES = (AgendaItem.Source.APPEAL, AgendaItem.Source.OTHER)
# A request that reached one of these is no business of a meeting any more.
SETTLED_REQUEST_STATUSES = (
    ResidentRequest.Status.CLOSED,
    ResidentRequest.Status.WITHDRAWN,
    ResidentRequest.Status.REJECTED,
)


# ---------------------------------------------------------------- shared steps


def _signed_in(by: Person) -> None:
    if not (by and by.is_authenticated):
        raise NotAllowed(_("Sign in to do this."))


def _lock(meeting: Meeting) -> Meeting:
    """The meeting, row-locked for the rest of the transaction."""
    return Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)


def _require_staff(by: Person, meeting: Meeting) -> None:
    _signed_in(by)
    if not permissions.can_manage_meeting(by, meeting):
        raise NotAllowed(_("Only the community's staff can run this meeting."))


def _event(meeting: Meeting, action: str, *, by: Person | None, from_status: str, note: str = "") -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting,
        action=action,
        from_status=from_status,
        to_status=meeting.status,
        sequence=meeting.sequence,
        note=note,
        by=by if by is not None and by.is_authenticated else None,
    )


def _move(meeting: Meeting, to: str, *, action: str, by: Person, note: str = "", fields: Sequence[str] = ()) -> Meeting:
    """Check the table, change the status, save the given fields and write the timeline entry."""
    if not meeting.can_move_to(to):
        raise Conflict(
            _("A meeting that is “%(status)s” cannot become “%(to)s”.")
            % {"status": meeting.get_status_display(), "to": MeetingStatus(to).label}
        )
    from_status = meeting.status
    meeting.status = to
    meeting.save(update_fields=["status", "updated_at", *fields])
    _event(meeting, action, by=by, from_status=from_status, note=note)
    return meeting


def _text(value: str | None, *, field: str, required: bool = False, message: str = "", limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(message or _("This field is required."), field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _check_times(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if ends_at <= starts_at:
        raise Invalid(_("The meeting must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise Invalid(_("A meeting lasts at most 12 hours."), field="ends_at")
    if abs(starts_at - timezone.now()) > MAX_DISTANCE:
        raise Invalid(_("Choose a time within a year from today."), field="starts_at")
    return starts_at, ends_at


def _check_kind(kind: str) -> str:
    if kind not in Meeting.Kind.values:
        raise Invalid(_("Choose the kind of meeting."), field="kind")
    return kind


def meeting_organisations(community: Community | int) -> QuerySet[Organisation]:
    """The organisations that may take part in the community's meetings: those it registered
    and those serving one of its estates."""
    community_id = community if isinstance(community, int) else community.pk
    serving = Organisation.estates.through.objects.filter(
        organisation_id=OuterRef("pk"), estate__community_id=community_id
    )
    return Organisation.objects.filter(Q(community_id=community_id) | Q(Exists(serving)))


def invitable_people(community: Community) -> QuerySet[User]:
    """People staff may invite to (or make owners of action items of) the community's meetings:
    anyone holding a current role in it — its staff and the admins above, residents of its
    estates, members of its organisations."""
    roles = Membership.objects.active().filter(
        Q(community_id=community.pk)
        | Q(street_id=community.street_id)
        | Q(district__streets__communities=community.pk)
        | Q(household__unit__building__estate__community_id=community.pk)
        | Q(organisation__in=meeting_organisations(community))
    )
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id"))


def _check_organisations(community: Community, organisations: Iterable[Organisation]) -> list[Organisation]:
    chosen = {organisation.pk: organisation for organisation in organisations}
    if not chosen:
        return []
    allowed = set(meeting_organisations(community).filter(pk__in=chosen).values_list("pk", flat=True))
    if set(chosen) - allowed:
        raise Invalid(_("Choose organisations of this community."), field="organisations")
    return list(chosen.values())


def _check_people(community: Community, people: Iterable[User], *, field: str = "people") -> list[User]:
    chosen = {person.pk: person for person in people}
    if not chosen:
        return []
    allowed = set(invitable_people(community).filter(pk__in=chosen).values_list("pk", flat=True))
    if set(chosen) - allowed:
        raise Invalid(_("Choose people who hold a role in this community."), field=field)
    return list(chosen.values())


def _members(organisations: Sequence[Organisation]) -> dict[int, int]:
    """user id -> the (first) chosen organisation they are an active member of."""
    seats: dict[int, int] = {}
    rows = (
        Membership.objects.active()
        .filter(organisation__in=organisations, user__is_active=True)
        .order_by("organisation_id", "id")
        .values_list("user_id", "organisation_id")
    )
    for user_id, organisation_id in rows:
        seats.setdefault(user_id, organisation_id)
    return seats


def _seat(meeting: Meeting, seats: dict[int, int | None]) -> None:
    """Give a seat to everyone in `seats` (user id -> organisation id) who has none yet."""
    taken = set(meeting.participants.values_list("user_id", flat=True))
    MeetingParticipant.objects.bulk_create(
        MeetingParticipant(meeting=meeting, user_id=user_id, organisation_id=organisation_id)
        for user_id, organisation_id in seats.items()
        if user_id not in taken
    )


def _default_title(kind: str, community: Community, estate: Estate | None, starts_at: datetime) -> str:
    local = timezone.localtime(starts_at)
    return _("%(place)s %(kind)s, %(date)s") % {
        "place": estate.name if estate is not None else community.name,
        "kind": Meeting.Kind(kind).label,
        "date": local.strftime("%Y-%m-%d"),
    }


# ---------------------------------------------------------------- scheduling


@transaction.atomic
def schedule_meeting(
    community: Community,
    *,
    by: Person,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    title: str = "",
    estate: Estate | None = None,
    organisations: Iterable[Organisation] = (),
    people: Iterable[User] = (),
    include_members: bool = True,
) -> Meeting:
    """Schedule a meeting of the community (or of one of its estates), organised by the staff
    member scheduling it. The chosen people are invited, and — unless `include_members` is off —
    every member of the chosen organisations. The agenda is drawn at once."""
    _signed_in(by)
    if not permissions.can_schedule_meeting(by, community.pk):
        raise NotAllowed(_("Only the community's staff can schedule its meetings."))
    if estate is not None and estate.community_id != community.pk:
        raise Invalid(_("This estate is not in the community."), field="estate")
    kind = _check_kind(kind)
    starts_at, ends_at = _check_times(starts_at, ends_at)
    place = _text(place, field="place", required=True, message=_("Say where the meeting is held."), limit=120)
    title = _text(title, field="title", limit=120) or _default_title(kind, community, estate, starts_at)[:120]
    organisations = _check_organisations(community, organisations)
    people = _check_people(community, people)

    meeting = Meeting.objects.create(
        kind=kind,
        title=title,
        community=community,
        estate=estate,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        organiser=by,
    )
    meeting.organisations.set(organisations)
    seats: dict[int, int | None] = {person.pk: None for person in people}
    if include_members:
        for user_id, organisation_id in _members(organisations).items():
            seats.setdefault(user_id, organisation_id)
    _seat(meeting, seats)
    _event(meeting, MeetingAction.SCHEDULED, by=by, from_status="")
    _draw(meeting)
    plan_meeting_reminders(meeting)
    return meeting


def _when(meeting_start: datetime, meeting_end: datetime) -> str:
    start, end = timezone.localtime(meeting_start), timezone.localtime(meeting_end)
    return (
        f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        if start.date() == end.date()
        else f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
    )


@transaction.atomic
def update_meeting(
    meeting: Meeting,
    *,
    by: Person,
    title: str | None = None,
    kind: str | None = None,
    place: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    summary: str | None = None,
    organisations: Iterable[Organisation] | None = None,
    people: Iterable[User] | None = None,
    include_members: bool = True,
) -> Meeting:
    """Change a meeting. A new time or place (before the meeting starts) raises its calendar
    SEQUENCE, so calendars replace the old invitation, and is recorded on its timeline.
    `organisations` and `people` replace the participating organisations and the people invited
    by name: members of an added organisation get a seat, those of a removed one lose it (unless
    their attendance is recorded). The summary (minutes) can be written until they are published."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_meeting_editable(meeting):
        raise Conflict(_("A cancelled meeting, or one whose minutes are published, can no longer be changed."))
    changed: list[str] = []
    notes: list[str] = []

    if title is not None:
        title = _text(title, field="title", required=True, message=_("Give the meeting a title."), limit=120)
        if title != meeting.title:
            meeting.title = title
            changed.append("title")
    if kind is not None and _check_kind(kind) != meeting.kind:
        meeting.kind = kind
        changed.append("kind")
    if summary is not None:
        meeting.summary = _text(summary, field="summary", limit=20000)
        changed.append("summary")

    new_start = starts_at if starts_at is not None else meeting.starts_at
    new_end = ends_at if ends_at is not None else meeting.ends_at
    moved_time = (starts_at is not None or ends_at is not None) and (
        _aware(new_start) != meeting.starts_at or _aware(new_end) != meeting.ends_at
    )
    new_place = meeting.place
    if place is not None:
        new_place = _text(place, field="place", required=True, message=_("Say where the meeting is held."), limit=120)
    moved_place = new_place != meeting.place
    if moved_time or moved_place:
        if meeting.status != MeetingStatus.SCHEDULED:
            raise Conflict(_("Only a meeting that has not started can move to another time or place."))
        if moved_time:
            new_start, new_end = _check_times(new_start, new_end)
            notes.append(f"{_when(meeting.starts_at, meeting.ends_at)} → {_when(new_start, new_end)}")
            meeting.starts_at, meeting.ends_at = new_start, new_end
            changed += ["starts_at", "ends_at"]
        if moved_place:
            notes.append(f"{meeting.place} → {new_place}")
            meeting.place = new_place
            changed.append("place")
        meeting.sequence += 1
        changed.append("sequence")

    seats_changed = False
    if organisations is not None or people is not None:
        if not permissions.is_agenda_open(meeting):
            raise Conflict(_("Participants can be changed only before the meeting closes."))
        community = meeting.community
        if organisations is not None:
            seats_changed |= _replace_organisations(
                meeting, _check_organisations(community, organisations), include_members
            )
        if people is not None:
            seats_changed |= _replace_people(meeting, _check_people(community, people))

    if changed:
        meeting.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if moved_time or moved_place:
        _event(meeting, MeetingAction.MOVED, by=by, from_status=meeting.status, note="; ".join(notes))
    elif seats_changed or {"title", "kind"} & set(changed):
        _event(meeting, MeetingAction.UPDATED, by=by, from_status=meeting.status)
    if moved_time or moved_place or seats_changed or "title" in changed:
        plan_meeting_reminders(meeting)
    return meeting


def _replace_organisations(meeting: Meeting, organisations: list[Organisation], include_members: bool) -> bool:
    current = set(meeting.organisations.values_list("pk", flat=True))
    wanted = {organisation.pk for organisation in organisations}
    if current == wanted:
        return False
    added = [organisation for organisation in organisations if organisation.pk not in current]
    removed = current - wanted
    meeting.organisations.set(organisations)
    if removed:
        meeting.participants.filter(organisation_id__in=removed, attended__isnull=True).delete()
    if include_members and added:
        _seat(meeting, dict(_members(added)))
    return True


def _replace_people(meeting: Meeting, people: list[User]) -> bool:
    """The people invited by name (seats without an organisation) become exactly `people`."""
    wanted = {person.pk for person in people}
    named = set(meeting.participants.filter(organisation__isnull=True).values_list("user_id", flat=True))
    gone = named - wanted
    if gone:
        meeting.participants.filter(organisation__isnull=True, user_id__in=gone, attended__isnull=True).delete()
    before = meeting.participants.count()
    _seat(meeting, dict.fromkeys(wanted - named))
    return bool(gone) or meeting.participants.count() != before


# ---------------------------------------------------------------- the meeting's course


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, by: Person, reason: str = "") -> Meeting:
    """Call off a meeting that has not started. Its calendar entry turns CANCELLED (with a new
    SEQUENCE); items on its agenda are drawn again for the next meeting."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    reason = _text(reason, field="reason", limit=2000)
    meeting.sequence += 1
    _move(meeting, MeetingStatus.CANCELLED, action=MeetingAction.CANCELLED, by=by, note=reason, fields=["sequence"])
    plan_meeting_reminders(meeting)
    return meeting


@transaction.atomic
def start_meeting(meeting: Meeting, *, by: Person) -> Meeting:
    """Open the meeting. The agenda is drawn once more, so that whatever was escalated or left
    open since it was scheduled is on it."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    meeting.started_at = timezone.now()
    _move(meeting, MeetingStatus.IN_PROGRESS, action=MeetingAction.STARTED, by=by, fields=["started_at"])
    _draw(meeting)
    plan_meeting_reminders(meeting)
    return meeting


@transaction.atomic
def close_meeting(meeting: Meeting, *, by: Person) -> Meeting:
    """End the meeting. Notes, attendance and action items can still be completed until the
    minutes are published."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    meeting.closed_at = timezone.now()
    return _move(meeting, MeetingStatus.CLOSED, action=MeetingAction.CLOSED, by=by, fields=["closed_at"])


@transaction.atomic
def publish_minutes(meeting: Meeting, *, by: Person) -> Meeting:
    """Publish the minutes of a closed meeting: its summary, what was said and decided on each
    item, attendance and action items become public, and can no longer be changed."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if meeting.status != MeetingStatus.CLOSED:
        raise Conflict(_("Minutes are published once the meeting is closed."))
    if meeting.minutes_published_at is not None:
        raise Conflict(_("The minutes are already published."))
    if not meeting.summary.strip():
        raise Invalid(_("Write the summary of the meeting before publishing its minutes."), field="summary")
    meeting.minutes_published_at = timezone.now()
    meeting.save(update_fields=["minutes_published_at", "updated_at"])
    _event(meeting, MeetingAction.PUBLISHED, by=by, from_status=meeting.status)
    return meeting


@transaction.atomic
def record_attendance(meeting: Meeting, *, by: Person, attendance: Sequence[tuple[int, bool | None]]) -> Meeting:
    """Record who came: pairs of (participant id, attended — or None to clear it). During the
    meeting and after it, until the minutes are published."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_recording(meeting):
        raise Conflict(_("Attendance is recorded once the meeting has started, until its minutes are published."))
    wanted = dict(attendance)
    seats = {seat.pk: seat for seat in meeting.participants.filter(pk__in=wanted)}
    if set(wanted) - set(seats):
        raise Invalid(_("Choose participants of this meeting."), field="attendance")
    for pk, attended in wanted.items():
        seats[pk].attended = attended
    MeetingParticipant.objects.bulk_update(seats.values(), ["attended"])
    return meeting


# ---------------------------------------------------------------- the agenda


def _in_scope(meeting: Meeting, estate_field: str) -> Q:
    """Rows of the meeting's estate, or of every estate of its community."""
    if meeting.estate_id is not None:
        return Q(**{f"{estate_field}_id": meeting.estate_id})
    return Q(**{f"{estate_field}__community_id": meeting.community_id})


def _dealt_with_earlier(meeting: Meeting, link: str) -> Exists:
    """On the agenda of an earlier meeting (not cancelled) that recorded an outcome or a resolution for it."""
    return Exists(
        AgendaItem.objects.filter(**{link: OuterRef("pk")}, meeting__starts_at__lt=meeting.starts_at)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .exclude(outcome="", resolution="")
    )


def _eligible_requests(meeting: Meeting) -> QuerySet[ResidentRequest]:
    return (
        ResidentRequest.objects.filter(_in_scope(meeting, "estate"), escalated_at__isnull=False)
        .exclude(status__in=SETTLED_REQUEST_STATUSES)
        .exclude(_dealt_with_earlier(meeting, "request"))
    )


def _eligible_disputes(meeting: Meeting) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(_in_scope(meeting, "estate"))
        .exclude(stage=Dispute.Stage.SETTLED)
        .exclude(_dealt_with_earlier(meeting, "dispute"))
    )


def _eligible_action_items(meeting: Meeting) -> QuerySet[ActionItem]:
    """Open items decided at earlier meetings of the same estate (or, for a community meeting,
    of the community): they carry over until done or dropped."""
    scope = (
        Q(meeting__estate_id=meeting.estate_id)
        if meeting.estate_id is not None
        else Q(meeting__community_id=meeting.community_id)
    )
    return (
        ActionItem.objects.open()
        .filter(scope, meeting__starts_at__lt=meeting.starts_at)
        .exclude(meeting_id=meeting.pk)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
    )


def _title(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


def build_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The items the meeting's agenda still lacks, unsaved and in order: first the open action
    items of earlier meetings (oldest decision first), then the escalated requests (in the order
    they were escalated), then the open disputes (oldest first). A request's item names only its
    category and place: nothing personal."""
    on_agenda = list(meeting.agenda_items.values_list("request_id", "dispute_id", "action_item_id"))
    requests_on = {row[0] for row in on_agenda if row[0]}
    disputes_on = {row[1] for row in on_agenda if row[1]}
    actions_on = {row[2] for row in on_agenda if row[2]}
    items: list[AgendaItem] = []
    for action_item in (
        _eligible_action_items(meeting).exclude(pk__in=actions_on).order_by("meeting__starts_at", "due_on", "id")
    ):
        items.append(
            AgendaItem(
                meeting=meeting,
                source=AgendaItem.Source.ACTION_ITEM,
                action_item=action_item,
                title=_title(action_item.title),
            )
        )
    requests = (
        _eligible_requests(meeting)
        .exclude(pk__in=requests_on)
        .select_related("category", "household__unit__building", "unit__building", "building")
        .order_by("escalated_at", "id")
    )
    for request in requests:
        items.append(
            AgendaItem(
                meeting=meeting,
                source=AgendaItem.Source.REQUEST,
                request=request,
                title=_title(f"{request.category.name} · {request.place_label}"),
            )
        )
    for dispute in _eligible_disputes(meeting).exclude(pk__in=disputes_on).order_by("created_at", "id"):
        items.append(
            AgendaItem(meeting=meeting, source=AgendaItem.Source.DISPUTE, dispute=dispute, title=_title(dispute.title))
        )
    return items


def _draw(meeting: Meeting) -> list[AgendaItem]:
    """Add what `build_agenda` finds; take off drawn items no longer open (a request closed, an
    action item done) as long as nothing was written on them."""
    untouched = (
        meeting.agenda_items.filter(
            source__in=[AgendaItem.Source.REQUEST, AgendaItem.Source.DISPUTE, AgendaItem.Source.ACTION_ITEM]
        )
        .filter(notes="", outcome="", resolution="")
        .exclude(Exists(ActionItem.objects.filter(agenda_item=OuterRef("pk"))))
    )
    stale = (
        untouched.filter(source=AgendaItem.Source.REQUEST).exclude(request__in=_eligible_requests(meeting))
        | untouched.filter(source=AgendaItem.Source.DISPUTE).exclude(dispute__in=_eligible_disputes(meeting))
        | untouched.filter(source=AgendaItem.Source.ACTION_ITEM).exclude(
            action_item__in=_eligible_action_items(meeting)
        )
    )
    AgendaItem.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    items = build_agenda(meeting)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    for offset, item in enumerate(items):
        item.position = start + offset
    return AgendaItem.objects.bulk_create(items)


@transaction.atomic
def draw_agenda(meeting: Meeting, *, by: Person) -> list[AgendaItem]:
    """Draw the agenda again (before or during the meeting): add what is newly escalated or left
    open, take off what was settled meanwhile. Items added by hand and items with notes stay.
    Returns the items added."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_agenda_open(meeting):
        raise Conflict(_("The agenda is drawn before and during the meeting only."))
    return _draw(meeting)


def _lock_item(item: AgendaItem) -> tuple[AgendaItem, Meeting]:
    meeting = _lock(item.meeting)
    return AgendaItem.objects.select_for_update(of=("self",)).get(pk=item.pk), meeting


@transaction.atomic
def add_agenda_item(
    meeting: Meeting, *, by: Person, title: str, description: str = "", source: str = AgendaItem.Source.OTHER
) -> AgendaItem:
    """Put an appeal (a resident's 诉求 heard at the meeting) or another matter on the agenda, at its end."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_agenda_open(meeting):
        raise Conflict(_("Items are added before and during the meeting only."))
    if source not in HAND_SOURCES:
        raise Invalid(
            _("Add an appeal or another matter; requests, disputes and action items are drawn."), field="source"
        )
    title = _text(title, field="title", required=True, message=_("Give the item a title."), limit=200)
    description = _text(description, field="description")
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
    return AgendaItem.objects.create(
        meeting=meeting,
        source=source,
        title=title,
        description=description,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def update_agenda_item(
    item: AgendaItem,
    *,
    by: Person,
    title: str | None = None,
    description: str | None = None,
    notes: str | None = None,
    outcome: str | None = None,
    resolution: str | None = None,
) -> AgendaItem:
    """Write what was said (notes), what came of it (outcome) and what the meeting resolved, or
    correct the item's title and description. Until the minutes are published."""
    item, meeting = _lock_item(item)
    _require_staff(by, meeting)
    if not permissions.is_meeting_editable(meeting):
        raise Conflict(_("A cancelled meeting, or one whose minutes are published, can no longer be changed."))
    fields: list[str] = []
    if title is not None:
        item.title = _text(title, field="title", required=True, message=_("Give the item a title."), limit=200)
        fields.append("title")
    for name, value in (
        ("description", description),
        ("notes", notes),
        ("outcome", outcome),
        ("resolution", resolution),
    ):
        if value is not None:
            setattr(item, name, _text(value, field=name))
            fields.append(name)
    if fields:
        item.save(update_fields=fields)
    return item


@transaction.atomic
def reorder_agenda(meeting: Meeting, *, by: Person, order: Sequence[int]) -> Meeting:
    """Put the agenda in the given order: every item's id, once each."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_meeting_editable(meeting):
        raise Conflict(_("A cancelled meeting, or one whose minutes are published, can no longer be changed."))
    items = {item.pk: item for item in meeting.agenda_items.all()}
    if len(order) != len(set(order)) or set(order) != set(items):
        raise Invalid(_("List every item of the agenda once."), field="order")
    for position, pk in enumerate(order):
        items[pk].position = position
    AgendaItem.objects.bulk_update(items.values(), ["position"])
    return meeting


# ---------------------------------------------------------------- action items


@transaction.atomic
def add_action_item(
    meeting: Meeting,
    *,
    by: Person,
    title: str,
    due_on: date,
    owner: User | None = None,
    owner_organisation: Organisation | None = None,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    """Record something the meeting decided someone must do, by a day: a person, an organisation,
    or a person for their organisation. It stays on the agenda of the next meetings until done."""
    meeting = _lock(meeting)
    _require_staff(by, meeting)
    if not permissions.is_recording(meeting):
        raise Conflict(_("Action items are recorded once the meeting has started, until its minutes are published."))
    title = _text(title, field="title", required=True, message=_("Say what is to be done."), limit=200)
    if owner is None and owner_organisation is None:
        raise Invalid(_("Choose who will do it: a person or an organisation."), field="owner")
    community = meeting.community
    if owner is not None:
        _check_people(community, [owner], field="owner")
    if owner_organisation is not None:
        _check_organisations(community, [owner_organisation])
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise Invalid(_("This item is not on the meeting's agenda."), field="agenda_item")
    held_on = timezone.localdate(meeting.starts_at)
    if due_on < held_on:
        raise Invalid(_("The due day cannot come before the meeting."), field="due_on")
    if due_on > held_on + MAX_DUE:
        raise Invalid(_("The due day must be within two years of the meeting."), field="due_on")
    return ActionItem.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        owner=owner,
        owner_organisation=owner_organisation,
        due_on=due_on,
    )


def _close_action_item(item: ActionItem, *, by: Person, status: str, note: str) -> ActionItem:
    _signed_in(by)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=item.pk)
    if not permissions.can_close_action_item(by, item):
        raise NotAllowed(_("Only whoever owns the action item, or the community's staff, can close it."))
    if item.status != ActionItem.Status.OPEN:
        raise Conflict(_("This action item is already closed."))
    item.status = status
    item.done_at = timezone.now()
    item.done_by = by
    item.done_note = note
    item.save(update_fields=["status", "done_at", "done_by", "done_note"])
    return item


@transaction.atomic
def complete_action_item(item: ActionItem, *, by: Person, note: str = "") -> ActionItem:
    """Mark an action item done: it no longer carries over to the next meetings."""
    return _close_action_item(item, by=by, status=ActionItem.Status.DONE, note=_text(note, field="note", limit=2000))


@transaction.atomic
def drop_action_item(item: ActionItem, *, by: Person, note: str) -> ActionItem:
    """Drop an action item that will not be done, saying why: it no longer carries over."""
    note = _text(note, field="note", required=True, message=_("Say why it is dropped."), limit=2000)
    return _close_action_item(item, by=by, status=ActionItem.Status.DROPPED, note=note)


# ---------------------------------------------------------------- the personal calendar feed


@transaction.atomic
def reset_calendar_feed(*, by: Person) -> CalendarFeed:
    """Give the user a new secret address for the feed of their meetings; the old one stops working."""
    _signed_in(by)
    feed = CalendarFeed.objects.select_for_update().filter(user=by).first()
    token = secrets.token_urlsafe(32)
    if feed is None:
        return CalendarFeed.objects.create(user=by, token=token)
    feed.token = token
    feed.save(update_fields=["token"])
    return feed


# ---------------------------------------------------------------- reminders
# Meetings move, so their reminders are planned when the meeting is scheduled or changed
# (`plan_meeting_reminders`, in the same transaction) and topped up by a periodic producer;
# minutes and action items are looked at when their moment comes (`schedule_meeting_reminders`),
# so that what was done meanwhile is never reminded of.

MEETING_REMINDER_DAYS = (3, 1)
# A moment this recently past is still reminded of (a producer run a little late); one further
# back is not: a meeting moved to the day after tomorrow gets no "in 3 days" reminder.
MEETING_REMINDER_GRACE = timedelta(minutes=30)
MINUTES_REMINDER_DAYS = (3, 7)
ACTION_ITEM_SOON_DAYS = 2
MEETING_TYPE = Meeting._meta.label_lower


def _meeting_url(meeting: Meeting) -> str:
    return reverse("governance:meeting-detail", args=[meeting.pk])


def _render_meeting_soon(meeting: Meeting, due: datetime, language: str) -> tuple[str, str]:
    days = round((meeting.starts_at - due) / timedelta(days=1))
    if days == 1:
        title = _("Tomorrow: %(title)s") % {"title": meeting.title}
    else:
        title = _("In %(days)s days: %(title)s") % {"days": days, "title": meeting.title}
    body = _("%(title)s, %(when)s, at %(place)s.") % {
        "title": meeting.title,
        "when": _when(meeting.starts_at, meeting.ends_at),
        "place": meeting.place,
    }
    return title, body


def _meeting_soon_items(meetings: Sequence[Meeting], now: datetime) -> list[tuple[Meeting, datetime, set[int]]]:
    """What each scheduled meeting should have: a reminder per participant for every moment
    (3 days and 1 day before) that is still ahead (or only just past)."""
    scheduled = [m for m in meetings if m.status == MeetingStatus.SCHEDULED]
    seats: dict[int, set[int]] = {m.pk: set() for m in scheduled}
    # No ordering: the model's (by the meeting's start) would join every meeting.
    for meeting_id, user_id in (
        MeetingParticipant.objects.filter(meeting_id__in=list(seats), user__is_active=True)
        .order_by()
        .values_list("meeting_id", "user_id")
    ):
        seats[meeting_id].add(user_id)
    return [
        (meeting, meeting.starts_at - timedelta(days=days), seats[meeting.pk])
        for meeting in scheduled
        for days in MEETING_REMINDER_DAYS
        if meeting.starts_at - timedelta(days=days) > now - MEETING_REMINDER_GRACE
    ]


def _sync_meeting_soon(meetings: Sequence[Meeting], now: datetime, *, refresh_text: bool) -> int:
    """Make the meetings' pending "coming up" reminders exactly what they should be: cancel the
    stale ones (a moved meeting's old moments, a participant who left, a meeting called off or
    begun), schedule the missing ones and, after a change (`refresh_text`), rewrite the text of
    the pending ones (a new place, the same moment). Returns how many were new or revived."""
    items = _meeting_soon_items(meetings, now)
    wanted = {
        reminder_key(ReminderKind.MEETING_SOON, MEETING_TYPE, meeting.pk, recipient_id, due)
        for meeting, due, recipients in items
        for recipient_id in recipients
    }
    pending = list(
        Reminder.objects.filter(
            target_type=MEETING_TYPE,
            target_id__in=[m.pk for m in meetings],
            kind=ReminderKind.MEETING_SOON,
            status=Reminder.Status.PENDING,
        ).values_list("pk", "key", "title", "body")
    )
    stale = [pk for pk, key, _title, _body in pending if key not in wanted]
    if stale:
        Reminder.objects.filter(pk__in=stale, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, cancelled_at=timezone.now()
        )
    drafts = reminder_drafts(
        items, ReminderKind.MEETING_SOON, _render_meeting_soon, _meeting_url, skip_scheduled=not refresh_text
    )
    if refresh_text:
        by_key = {draft.key: draft for draft in drafts}
        for pk, key, title, body in pending:
            draft = by_key.get(key)
            if draft is not None and (draft.title, draft.body) != (title, body):
                Reminder.objects.filter(pk=pk).update(title=draft.title, body=draft.body)
    return schedule_reminders(drafts)


def plan_meeting_reminders(meeting: Meeting, *, now: datetime | None = None) -> int:
    """Plan one meeting's "coming up" reminders after it was scheduled, moved, re-seated,
    cancelled or started (the services call it in their transaction)."""
    return _sync_meeting_soon([meeting], now or timezone.now(), refresh_text=True)


def _render_minutes_due(meeting: Meeting, due: datetime, language: str) -> tuple[str, str]:
    title = _("Publish the minutes of %(title)s") % {"title": meeting.title}
    body = _("The meeting ended %(ended)s and its minutes are not published yet.") % {
        "ended": local_text(meeting.ends_at)
    }
    return title, body


def _render_action_soon(item: ActionItem, due: datetime, language: str) -> tuple[str, str]:
    title = _("Due in %(days)s days: %(title)s") % {"days": ACTION_ITEM_SOON_DAYS, "title": item.title}
    body = _("Decided at %(meeting)s; due %(due)s.") % {
        "meeting": item.meeting.title,
        "due": formats.date_format(item.due_on, "DATE_FORMAT"),
    }
    return title, body


def _render_action_overdue(item: ActionItem, due: datetime, language: str) -> tuple[str, str]:
    title = _("Overdue: %(title)s") % {"title": item.title}
    body = _("Decided at %(meeting)s; it was due %(due)s and is not done yet.") % {
        "meeting": item.meeting.title,
        "due": formats.date_format(item.due_on, "DATE_FORMAT"),
    }
    return title, body


def _action_item_url(item: ActionItem) -> str:
    return _meeting_url(item.meeting)


def _action_item_people(items: Sequence[ActionItem]) -> dict[int, set[int]]:
    """Who answers for each action item: its owner, else the owner organisation's active members."""
    organisations = {item.owner_organisation_id for item in items if item.owner_id is None}
    members: dict[int, set[int]] = {org_id: set() for org_id in organisations if org_id}
    for org_id, user_id in (
        Membership.objects.active()
        .filter(organisation_id__in=list(members), user__is_active=True)
        .values_list("organisation_id", "user_id")
    ):
        members[org_id].add(user_id)
    people = {}
    for item in items:
        if item.owner_id is not None:
            people[item.pk] = {item.owner_id} if item.owner.is_active else set()
        else:
            people[item.pk] = members.get(item.owner_organisation_id or 0, set())
    return people


def schedule_meeting_reminders(now: datetime | None = None) -> int:
    """The meetings' reminder producer (a periodic task every few minutes):

    - tops up the "coming up" reminders of the meetings starting in the next days (those the
      services planned are there already; a participant added through an organisation since is not);
    - minutes not published 3 and 7 days after a meeting ended → its organiser;
    - an open action item 2 days before its due day, and the day after it → its owner (or the
      owner organisation's members); when overdue, the meeting's organiser too.

    Moments of the last day (the lookback) are caught up after downtime. Returns how many
    reminders were new."""
    now = now or timezone.now()
    window_start = now - REQUEST_REMINDER_LOOKBACK
    created = 0

    soon = list(
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=max(MEETING_REMINDER_DAYS)) + REQUEST_REMINDER_LOOKBACK,
        ).order_by("id")
    )
    if soon:
        with transaction.atomic():
            created += _sync_meeting_soon(soon, now, refresh_text=False)

    minutes_items = []
    for days in MINUTES_REMINDER_DAYS:
        late = timedelta(days=days)
        for meeting in (
            Meeting.objects.filter(
                minutes_published_at__isnull=True,
                ends_at__gt=window_start - late,
                ends_at__lte=now - late,
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .select_related("organiser")
            .order_by("id")
        ):
            if meeting.organiser_id and meeting.organiser.is_active:
                minutes_items.append((meeting, meeting.ends_at + late, {meeting.organiser_id}))
    drafts = reminder_drafts(minutes_items, ReminderKind.MINUTES_DUE, _render_minutes_due, _meeting_url)

    soon_days = days_with_moment_in(window_start, now, -ACTION_ITEM_SOON_DAYS)
    late_days = days_with_moment_in(window_start, now, 1)
    items = list(
        ActionItem.objects.open()
        .filter(due_on__in=[*soon_days, *late_days])
        .select_related("meeting", "owner")
        .order_by("id")
    )
    people = _action_item_people(items)
    drafts += reminder_drafts(
        ((item, soon_days[item.due_on], people[item.pk]) for item in items if item.due_on in soon_days),
        ReminderKind.ACTION_ITEM_DUE,
        _render_action_soon,
        _action_item_url,
    )
    drafts += reminder_drafts(
        (
            (item, late_days[item.due_on], people[item.pk] | {item.meeting.organiser_id})
            for item in items
            if item.due_on in late_days
        ),
        ReminderKind.ACTION_ITEM_OVERDUE,
        _render_action_overdue,
        _action_item_url,
    )
    return created + schedule_reminders(drafts)
