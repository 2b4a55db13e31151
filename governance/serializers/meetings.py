"""Shapes of meetings in the API, the assembled minutes, and meetings as iCalendar (RFC 5545).

Privacy (PIPL): the agenda, the participants and the draft minutes are for the community's
staff, the participants and the members of participating organisations. Published minutes are
public, and then show of an item about a resident's request only its category and place, of a
dispute only its kind, and of the people who came only those who came for an organisation by
name. Phone numbers are whole only for the person themself and for the meeting's staff. In
iCalendar, attendees are named, never given by phone or e-mail (except the viewer themself).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from icalendar import Calendar, Event, vCalAddress, vText
from rest_framework import serializers

from estates.models import Community, Estate, Organisation, User
from estates.scope import scope_of
from estates.serializers import ChoiceLabelField, PersonSerializer, person_data

from ..models import ActionItem, AgendaItem, Meeting, MeetingEvent, MeetingParticipant
from ..permissions import meetings as rules

LOCAL_ZONE = ZoneInfo(settings.TIME_ZONE)
PRODID = "-//Huanxin 焕新//Meetings//ZH"


def _viewer(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _is_self(viewer: Any, user_id: int | None) -> bool:
    return user_id is not None and scope_of(viewer).user_id == user_id


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _named(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


# ---------------------------------------------------------------- meetings


class OrganisationNameSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")

    class Meta:
        model = Organisation
        fields = ["id", "kind", "kind_display", "name"]


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as the viewer may see it; `has_access` says whether they see its agenda and
    participants (otherwise only its published minutes)."""

    kind_display = ChoiceLabelField(source="kind")
    status_display = ChoiceLabelField(source="status")
    community_name = serializers.CharField(source="community.name", read_only=True)
    estate_name = serializers.SerializerMethodField()
    organiser = serializers.SerializerMethodField()
    organisations = OrganisationNameSerializer(many=True, read_only=True)
    participant_count = serializers.IntegerField(read_only=True, default=0)
    is_published = serializers.BooleanField(read_only=True)
    has_access = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "community",
            "community_name",
            "estate",
            "estate_name",
            "starts_at",
            "ends_at",
            "place",
            "organiser",
            "organisations",
            "participant_count",
            "status",
            "status_display",
            "sequence",
            "summary",
            "started_at",
            "closed_at",
            "is_published",
            "minutes_published_at",
            "has_access",
            "is_mine",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_estate_name(self, meeting: Meeting) -> str | None:
        return meeting.estate.name if meeting.estate is not None else None

    @extend_schema_field(PersonSerializer)
    def get_organiser(self, meeting: Meeting) -> dict[str, Any]:
        viewer = _viewer(self)
        show = _is_self(viewer, meeting.organiser_id) or rules.can_manage_meeting(viewer, meeting)
        return person_data(meeting.organiser, show_phone=show)

    def get_has_access(self, meeting: Meeting) -> bool:
        return rules.can_see_meeting_privately(_viewer(self), meeting)

    def get_is_mine(self, meeting: Meeting) -> bool:
        annotated = getattr(meeting, "viewer_takes_part", None)
        if annotated is not None:
            return bool(annotated)
        viewer = _viewer(self)
        user_id = scope_of(viewer).user_id
        if user_id is None:
            return False
        return meeting.organiser_id == user_id or meeting.participants.filter(user_id=user_id).exists()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text=_(
                "What the viewer may do now: start, close, cancel, publish-minutes (POST actions), "
                "edit (PATCH), draw (the agenda), attendance."
            ),
        )
    )
    def get_actions(self, meeting: Meeting) -> list[str]:
        return rules.allowed_meeting_actions(_viewer(self), meeting)

    def to_representation(self, meeting: Meeting) -> dict[str, Any]:
        data = super().to_representation(meeting)
        if not data["has_access"] and not meeting.is_published:
            data["summary"] = ""
        return data


class MeetingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, default=Meeting.Kind.JOINT)
    title = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default="", help_text=_("By default: place, kind and date.")
    )
    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(),
        required=False,
        help_text=_("Optional when an estate is given (its community is used)."),
    )
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all(), required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=120)
    organisations = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True, required=False, default=list
    )
    people = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        default=list,
        help_text=_("People invited by name (anyone holding a role in the community)."),
    )
    include_members = serializers.BooleanField(
        default=True, help_text=_("Invite every member of the chosen organisations.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        estate = attrs.get("estate")
        if attrs.get("community") is None:
            if estate is None:
                raise serializers.ValidationError({"community": [gettext("Choose the community or an estate.")]})
            attrs["community"] = estate.community
        return attrs


class MeetingUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, required=False)
    place = serializers.CharField(max_length=120, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, help_text=_("The minutes' summary.")
    )
    organisations = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True, required=False)
    people = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("Replaces the people invited by name."),
    )
    include_members = serializers.BooleanField(
        default=True, help_text=_("Invite every member of an organisation added.")
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ParticipantSerializer(serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    organisation_name = serializers.SerializerMethodField()

    class Meta:
        model = MeetingParticipant
        fields = ["id", "person", "organisation", "organisation_name", "attended"]

    @extend_schema_field(PersonSerializer)
    def get_person(self, seat: MeetingParticipant) -> dict[str, Any]:
        viewer = _viewer(self)
        staff = self.context.get("is_meeting_staff", False)
        return person_data(seat.user, show_phone=staff or _is_self(viewer, seat.user_id))

    def get_organisation_name(self, seat: MeetingParticipant) -> str | None:
        return seat.organisation.name if seat.organisation is not None else None


class AttendanceEntrySerializer(serializers.Serializer):
    participant = serializers.IntegerField(min_value=1)
    attended = serializers.BooleanField(allow_null=True, help_text=_("Null clears what was recorded."))


class AttendanceSerializer(serializers.Serializer):
    attendance = AttendanceEntrySerializer(many=True, allow_empty=False)


class MeetingEventSerializer(serializers.ModelSerializer):
    action_display = ChoiceLabelField(source="action")
    by = serializers.SerializerMethodField()

    class Meta:
        model = MeetingEvent
        fields = ["id", "action", "action_display", "from_status", "to_status", "sequence", "note", "by", "at"]

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_by(self, event: MeetingEvent) -> dict[str, Any] | None:
        return _named(event.by)


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text=_("Each role and where it is held."))


class CandidatesSerializer(serializers.Serializer):
    people = CandidateSerializer(many=True)
    organisations = OrganisationNameSerializer(many=True)


class CandidatesQuerySerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1)


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(allow_null=True, help_text=_("The secret address of your feed; null until made."))
    created_at = serializers.DateTimeField(allow_null=True)


# ---------------------------------------------------------------- agenda and action items


class RequestBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category_name = serializers.CharField()
    place_label = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)


class DisputeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind_display = serializers.CharField()
    stage = serializers.CharField()
    stage_display = serializers.CharField()


class ActionItemBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner_name = serializers.CharField(allow_null=True)
    owner_organisation_name = serializers.CharField(allow_null=True)
    due_on = serializers.DateField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    is_overdue = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_note = serializers.CharField()
    meeting = serializers.IntegerField()
    meeting_title = serializers.CharField()
    meeting_starts_at = serializers.DateTimeField()


def _today() -> date:
    return timezone.localdate()


def action_item_brief(item: ActionItem, *, today: date | None = None) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "owner_name": item.owner.display_name if item.owner is not None else None,
        "owner_organisation_name": item.owner_organisation.name if item.owner_organisation is not None else None,
        "due_on": item.due_on,
        "status": item.status,
        "status_display": item.get_status_display(),
        "is_overdue": item.status == ActionItem.Status.OPEN and item.due_on < (today or _today()),
        "done_at": item.done_at,
        "done_note": item.done_note,
        "meeting": item.meeting_id,
        "meeting_title": item.meeting.title,
        "meeting_starts_at": item.meeting.starts_at,
    }


def request_brief(item: AgendaItem) -> dict[str, Any] | None:
    request = item.request
    if request is None:
        return None
    return {
        "id": request.pk,
        "category_name": request.category.name,
        "place_label": request.place_label,
        "status": request.status,
        "status_display": request.get_status_display(),
        "escalated_at": request.escalated_at,
    }


def public_title(item: AgendaItem) -> str:
    """What the public minutes call the item: a request by its category and place, a dispute by its kind."""
    if item.request is not None:
        return f"{item.request.category.name} · {item.request.place_label}"
    if item.dispute is not None:
        return gettext("Dispute: %(kind)s") % {"kind": item.dispute.get_kind_display()}
    return item.title


class AgendaItemSerializer(serializers.ModelSerializer):
    source_display = ChoiceLabelField(source="source")
    request = serializers.SerializerMethodField()
    dispute = serializers.SerializerMethodField()
    action_item = serializers.SerializerMethodField()
    decided_actions = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "meeting",
            "position",
            "source",
            "source_display",
            "title",
            "description",
            "notes",
            "outcome",
            "resolution",
            "request",
            "dispute",
            "action_item",
            "decided_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestBriefSerializer(allow_null=True, help_text=_("Category and place only.")))
    def get_request(self, item: AgendaItem) -> dict[str, Any] | None:
        brief = request_brief(item)
        return None if brief is None else RequestBriefSerializer(brief).data

    @extend_schema_field(DisputeBriefSerializer(allow_null=True))
    def get_dispute(self, item: AgendaItem) -> dict[str, Any] | None:
        dispute = item.dispute
        if dispute is None:
            return None
        return {
            "id": dispute.pk,
            "title": dispute.title,
            "kind_display": dispute.get_kind_display(),
            "stage": dispute.stage,
            "stage_display": dispute.get_stage_display(),
        }

    @extend_schema_field(ActionItemBriefSerializer(allow_null=True, help_text=_("The earlier decision carried over.")))
    def get_action_item(self, item: AgendaItem) -> dict[str, Any] | None:
        if item.action_item is None:
            return None
        return ActionItemBriefSerializer(action_item_brief(item.action_item, today=self.context.get("today"))).data

    @extend_schema_field(ActionItemBriefSerializer(many=True))
    def get_decided_actions(self, item: AgendaItem) -> list[dict[str, Any]]:
        today = self.context.get("today")
        briefs = [action_item_brief(action, today=today) for action in item.decided_actions.all()]
        return ActionItemBriefSerializer(briefs, many=True).data


# What staff add to an agenda by hand (the rest is drawn).
HAND_SOURCE_CHOICES = [(s.value, s.label) for s in (AgendaItem.Source.APPEAL, AgendaItem.Source.OTHER)]


class AgendaItemCreateSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=HAND_SOURCE_CHOICES, default=AgendaItem.Source.OTHER)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class AgendaItemUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReorderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, help_text=_("Every item's id, in order.")
    )


class ActionItemSerializer(serializers.ModelSerializer):
    status_display = ChoiceLabelField(source="status")
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at", read_only=True)
    owner = serializers.SerializerMethodField()
    owner_organisation_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    done_by = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "meeting_title",
            "meeting_starts_at",
            "agenda_item",
            "title",
            "owner",
            "owner_organisation",
            "owner_organisation_name",
            "due_on",
            "status",
            "status_display",
            "is_overdue",
            "done_at",
            "done_by",
            "done_note",
            "actions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_owner(self, item: ActionItem) -> dict[str, Any] | None:
        return _named(item.owner)

    def get_owner_organisation_name(self, item: ActionItem) -> str | None:
        return item.owner_organisation.name if item.owner_organisation is not None else None

    def get_is_overdue(self, item: ActionItem) -> bool:
        return item.status == ActionItem.Status.OPEN and item.due_on < (self.context.get("today") or _today())

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_done_by(self, item: ActionItem) -> dict[str, Any] | None:
        return _named(item.done_by)

    @extend_schema_field(
        serializers.ListField(child=serializers.CharField(), help_text=_("complete, drop: what the viewer may do now."))
    )
    def get_actions(self, item: ActionItem) -> list[str]:
        return rules.allowed_action_item_actions(_viewer(self), item)


class ActionItemCreateSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(min_value=1)
    agenda_item = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, help_text=_("A person.")
    )
    owner_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text=_("An organisation.")
    )


class ActionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# ---------------------------------------------------------------- the minutes


class MinutesAttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(
        allow_null=True, help_text=_("Null in public minutes for someone who came on their own account.")
    )
    organisation_name = serializers.CharField(allow_null=True)
    attended = serializers.BooleanField(allow_null=True)


class MinutesAttendanceSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    people = MinutesAttendeeSerializer(many=True)


class MinutesItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    source = serializers.CharField()
    source_display = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    notes = serializers.CharField()
    outcome = serializers.CharField()
    resolution = serializers.CharField()
    carried_over = ActionItemBriefSerializer(allow_null=True, help_text=_("For an earlier decision: its state."))
    action_items = ActionItemBriefSerializer(many=True, help_text=_("Decided on this item."))


class MinutesSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    community_name = serializers.CharField()
    estate = serializers.IntegerField(allow_null=True)
    estate_name = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField()
    organiser_name = serializers.CharField()
    organisations = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    status_display = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    is_published = serializers.BooleanField()
    minutes_published_at = serializers.DateTimeField(allow_null=True)
    summary = serializers.CharField()
    items = MinutesItemSerializer(many=True)
    attendance = MinutesAttendanceSerializer()
    action_items = ActionItemBriefSerializer(many=True, help_text=_("Every action item decided at the meeting."))


def assemble_minutes(
    meeting: Meeting,
    *,
    private: bool,
    items: Iterable[AgendaItem],
    seats: Iterable[MeetingParticipant],
    actions: Iterable[ActionItem],
) -> dict[str, Any]:
    """The minutes: the summary, then each agenda item with its notes, outcome and resolution and
    the action items decided on it, the attendance and every action item. With `private` off
    (the public), items and people are shown as the module's docstring says."""
    today = _today()
    actions = list(actions)
    by_item: dict[int, list[dict[str, Any]]] = {}
    for action in actions:
        if action.agenda_item_id is not None:
            by_item.setdefault(action.agenda_item_id, []).append(action_item_brief(action, today=today))
    rows = []
    for item in items:
        rows.append(
            {
                "id": item.pk,
                "position": item.position,
                "source": item.source,
                "source_display": item.get_source_display(),
                "title": item.title if private else public_title(item),
                "description": item.description,
                "notes": item.notes,
                "outcome": item.outcome,
                "resolution": item.resolution,
                "carried_over": action_item_brief(item.action_item, today=today) if item.action_item else None,
                "action_items": by_item.get(item.pk, []),
            }
        )
    people = []
    present = absent = 0
    for seat in seats:
        present += seat.attended is True
        absent += seat.attended is False
        named = private or seat.organisation is not None
        people.append(
            {
                "name": seat.user.display_name if named else None,
                "organisation_name": seat.organisation.name if seat.organisation is not None else None,
                "attended": seat.attended,
            }
        )
    return {
        "meeting": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "kind_display": meeting.get_kind_display(),
        "community_name": meeting.community.name,
        "estate": meeting.estate_id,
        "estate_name": meeting.estate.name if meeting.estate is not None else None,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "organiser_name": meeting.organiser.display_name,
        "organisations": [organisation.name for organisation in meeting.organisations.all()],
        "status": meeting.status,
        "status_display": meeting.get_status_display(),
        "started_at": meeting.started_at,
        "closed_at": meeting.closed_at,
        "is_published": meeting.is_published,
        "minutes_published_at": meeting.minutes_published_at,
        "summary": meeting.summary,
        "items": rows,
        "attendance": {"invited": len(people), "present": present, "absent": absent, "people": people},
        "action_items": [action_item_brief(action, today=today) for action in actions],
    }


# ---------------------------------------------------------------- iCalendar


def _calendar_address(user: User, *, host: str, viewer_id: int | None) -> vCalAddress:
    """A person's CAL-ADDRESS: their own e-mail for the viewer themself; for anyone else an
    opaque URN that names no contact (RFC 5545 needs a URI, the CN carries the name)."""
    if user.pk == viewer_id and user.email:
        address = vCalAddress(f"mailto:{user.email}")
    else:
        address = vCalAddress(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_DNS, f'user-{user.pk}.{host}')}")
    address.params["CN"] = vText(user.display_name)
    return address


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LOCAL_ZONE)


def _description(meeting: Meeting, *, url: str, agenda: list[str]) -> str:
    lines = [meeting.get_kind_display()]
    lines.append(" · ".join(filter(None, [meeting.community.name, meeting.estate.name if meeting.estate else ""])))
    if agenda:
        lines.append("")
        lines.append(gettext("Agenda:"))
        lines += [f"{number}. {title}" for number, title in enumerate(agenda, start=1)]
    lines += ["", url]
    return "\n".join(lines)


def meeting_calendar(
    meetings: Iterable[Meeting],
    *,
    host: str,
    url_of: Callable[[Meeting], str],
    viewer_id: int | None,
    method: str,
    private: bool,
    name: str = "",
) -> bytes:
    """Meetings as one VCALENDAR (RFC 5545): a VEVENT each with UID (the meeting's uid @ host),
    DTSTAMP, DTSTART and DTEND in Asia/Shanghai (with its VTIMEZONE), SUMMARY, LOCATION,
    DESCRIPTION, SEQUENCE, STATUS, ORGANIZER and, with `private` (an invitation, METHOD:REQUEST),
    the agenda in the description and an ATTENDEE per participant. Expects `organiser` (and with
    `private`, `agenda_items` and `participants__user`) loaded."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(ZoneInfo("UTC")).replace(microsecond=0)
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("created", meeting.created_at.astimezone(ZoneInfo("UTC")).replace(microsecond=0))
        event.add("last-modified", meeting.updated_at.astimezone(ZoneInfo("UTC")).replace(microsecond=0))
        event.add("dtstart", _local(meeting.starts_at).replace(microsecond=0))
        event.add("dtend", _local(meeting.ends_at).replace(microsecond=0))
        event.add("summary", meeting.title)
        event.add("location", meeting.place)
        url = url_of(meeting)
        agenda = [item.title for item in meeting.agenda_items.all()] if private else []
        event.add("description", _description(meeting, url=url, agenda=agenda))
        event.add("url", url)
        event.add("sequence", meeting.sequence)
        event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
        event.add("categories", [meeting.get_kind_display()])
        event.add("organizer", _calendar_address(meeting.organiser, host=host, viewer_id=viewer_id))
        if private:
            for seat in meeting.participants.all():
                attendee = _calendar_address(seat.user, host=host, viewer_id=viewer_id)
                attendee.params["CUTYPE"] = vText("INDIVIDUAL")
                attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
                attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
                event.add("attendee", attendee, encode=0)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
