"""The REST API of meetings, their agenda, minutes and action items, and their iCalendar.

Reads start from `visible_to` (published minutes are public) or `private_to` (the agenda and
participants: staff, participants, members of participating organisations); every write calls a
service. An illegal move answers 409, a forbidden one 403, a meeting outside the user's scope 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from estates.errors import Invalid, NotAllowed
from estates.models import Community, Membership
from estates.permissions import SignedIn
from estates.scope import scope_of

from .. import services
from ..models import ActionItem, AgendaItem, CalendarFeed, Meeting, MeetingParticipant
from ..permissions import meetings as rules
from ..permissions.requests import ReadOrSignedIn
from ..serializers.meetings import (
    ActionItemCreateSerializer,
    ActionItemSerializer,
    ActionNoteSerializer,
    AgendaItemCreateSerializer,
    AgendaItemSerializer,
    AgendaItemUpdateSerializer,
    AttendanceSerializer,
    CalendarFeedSerializer,
    CancelSerializer,
    CandidatesQuerySerializer,
    CandidatesSerializer,
    MeetingCreateSerializer,
    MeetingEventSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MinutesSerializer,
    ParticipantSerializer,
    ReorderSerializer,
    assemble_minutes,
    meeting_calendar,
)

ICS_CONTENT_TYPE = "text/calendar"


class ICalendarRenderer(BaseRenderer):
    """text/calendar: the body is the iCalendar the view made; an error becomes a line of text."""

    media_type = ICS_CONTENT_TYPE
    format = "ics"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        if isinstance(data, dict):
            return str(data.get("detail", data)).encode("utf-8")
        return str(data).encode("utf-8")


def calendar_host(request: Any) -> str:
    """The host part of the calendar UIDs (meeting.uid@host): the site's domain, without a port."""
    domain, _port = split_domain_port(request.get_host())
    return domain or "huanxin.invalid"


def ics_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{ICS_CONTENT_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def calendar_meetings(meetings: QuerySet[Meeting], *, private: bool = True) -> QuerySet[Meeting]:
    """What an iCalendar of the meetings reads, in a fixed number of queries: with `private`
    (an invitation to one meeting), also its agenda and its participants."""
    meetings = meetings.select_related("community", "estate", "organiser")
    if not private:
        return meetings
    return meetings.prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id")),
        Prefetch("participants", queryset=MeetingParticipant.objects.select_related("user").order_by("id")),
    )


# ---------------------------------------------------------------- meetings


class MeetingFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter()
    estate = django_filters.NumberFilter()
    kind = django_filters.MultipleChoiceFilter(choices=Meeting.Kind.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=Meeting.Status.choices, distinct=False)
    date_from = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label="Starting on or after this day"
    )
    date_to = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label="Starting on or before this day"
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label="Meetings I take part in or organise")
    published = django_filters.BooleanFilter(method="filter_published", label="Minutes published")

    class Meta:
        model = Meeting
        fields = ["community", "estate", "kind", "status"]

    def filter_mine(self, queryset: QuerySet[Meeting], name: str, value: bool | None) -> QuerySet[Meeting]:
        if not value:
            return queryset
        return queryset.mine(self.request.user)  # type: ignore[attr-defined]

    def filter_published(self, queryset: QuerySet[Meeting], name: str, value: bool | None) -> QuerySet[Meeting]:
        if value is None:
            return queryset
        return queryset.filter(minutes_published_at__isnull=not value)


# The query parameters are `from` and `to` (Python keywords, hence the renaming).
MeetingFilter.base_filters["from"] = MeetingFilter.base_filters.pop("date_from")
MeetingFilter.base_filters["to"] = MeetingFilter.base_filters.pop("date_to")


_meeting_id = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id of the meeting.")


@extend_schema_view(
    retrieve=extend_schema(parameters=[_meeting_id]),
    partial_update=extend_schema(parameters=[_meeting_id]),
)
class MeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Meetings: the monthly joint meeting (联席会议) and the four consultations (议事协商,
    联动协商, 听证协商, 专业协商). Published minutes are public; everything else is for the
    community's staff, the participants and the members of participating organisations."""

    serializer_class = MeetingSerializer
    permission_classes = [ReadOrSignedIn]
    filterset_class = MeetingFilter
    ordering_fields = ["starts_at", "created_at", "id"]
    search_fields = ["title", "place"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Meeting]:
        user = self.request.user
        seats = MeetingParticipant.objects.filter(meeting=OuterRef("pk")).values("meeting")
        meetings = (
            Meeting.objects.visible_to(user)
            .with_viewer_access(user)
            .select_related("community", "estate", "organiser")
            .prefetch_related("organisations")
            .annotate(
                participant_count=Coalesce(
                    Subquery(seats.annotate(count=Count("id")).values("count"), output_field=IntegerField()), 0
                )
            )
            .order_by("-starts_at", "-id")
        )
        user_id = scope_of(user).user_id
        if user_id is not None:
            mine = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user_id=user_id)
            meetings = meetings.annotate(viewer_takes_part=Q(organiser_id=user_id) | Q(Exists(mine)))
        return meetings

    def _private_meeting(self) -> Meeting:
        """The meeting, for those who see more than its published minutes (404 for the rest)."""
        meeting = self.get_object()
        if not rules.can_see_meeting_privately(self.request.user, meeting):
            raise NotFound()
        return meeting

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(MeetingSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Schedule a meeting (the community's staff). Members of the chosen organisations are
        invited unless `include_members` is false; the agenda is drawn at once."""
        parsed = MeetingCreateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        meeting = services.schedule_meeting(data.pop("community"), by=request.user, **data)
        return self._body(meeting.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateSerializer, responses={200: MeetingSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a meeting: a new time or place raises its calendar SEQUENCE; `summary` writes
        the minutes' summary; `organisations` and `people` replace the participants."""
        meeting = self.get_object()
        parsed = MeetingUpdateSerializer(data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        services.update_meeting(meeting, by=request.user, **parsed.validated_data)
        return self._body(meeting.pk)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def _act(self, service: Any, **data: Any) -> Response:
        meeting = self.get_object()
        service(meeting, by=self.request.user, **data)
        return self._body(meeting.pk)

    @extend_schema(request=None, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Open the meeting; the agenda is drawn once more."""
        return self._act(services.start_meeting)

    @extend_schema(request=None, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """End the meeting."""
        return self._act(services.close_meeting)

    @extend_schema(request=None, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"], url_path="publish-minutes")
    def publish_minutes(self, request: Request, pk: str | None = None) -> Response:
        """Publish the minutes of a closed meeting (a summary is needed): they become public."""
        return self._act(services.publish_minutes)

    @extend_schema(request=CancelSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Call off a meeting that has not started (its calendar entry turns CANCELLED)."""
        parsed = CancelSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        return self._act(services.cancel_meeting, reason=parsed.validated_data["reason"])

    @extend_schema(responses={200: MinutesSerializer})
    @action(
        detail=True, methods=["get"], permission_classes=[ReadOrSignedIn], filter_backends=[], pagination_class=None
    )
    def minutes(self, request: Request, pk: str | None = None) -> Response:
        """The minutes: the summary; each agenda item with its notes, outcome and resolution and
        the action items decided on it; attendance; every action item. Public once published
        (then without personal data); before that a draft for those who see the meeting."""
        meeting = self.get_object()
        private = rules.can_see_meeting_privately(request.user, meeting)
        items = meeting.agenda_items.select_related(
            "request__category",
            "request__household__unit__building",
            "request__unit__building",
            "request__building",
            "dispute",
            "action_item__owner",
            "action_item__owner_organisation",
            "action_item__meeting",
        ).order_by("position", "id")
        seats = meeting.participants.select_related("user", "organisation").order_by("organisation__name", "id")
        actions = meeting.action_items.select_related("owner", "owner_organisation", "meeting").order_by("due_on", "id")
        body = assemble_minutes(meeting, private=private, items=items, seats=seats, actions=actions)
        return Response(MinutesSerializer(body).data)

    @extend_schema(responses={200: ParticipantSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def participants(self, request: Request, pk: str | None = None) -> Response:
        """Who is invited, for which organisation, and whether they came."""
        meeting = self._private_meeting()
        return self._participants(meeting)

    def _participants(self, meeting: Meeting) -> Response:
        seats = meeting.participants.select_related("user", "organisation").order_by("organisation__name", "id")
        context = {
            **self.get_serializer_context(),
            "is_meeting_staff": rules.can_manage_meeting(self.request.user, meeting),
        }
        return Response(ParticipantSerializer(seats, many=True, context=context).data)

    @extend_schema(request=AttendanceSerializer, responses={200: ParticipantSerializer(many=True)})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        """Record who came: `attendance` is a list of {participant, attended}. Answers with every participant."""
        meeting = self._private_meeting()
        parsed = AttendanceSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        pairs = [(entry["participant"], entry["attended"]) for entry in parsed.validated_data["attendance"]]
        services.record_attendance(meeting, by=request.user, attendance=pairs)
        return self._participants(meeting)

    @extend_schema(responses={200: MeetingEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Every step of the meeting: scheduled, moved (with the old and new time or place), started…"""
        meeting = self._private_meeting()
        events = meeting.events.select_related("by").order_by("at", "id")
        return Response(MeetingEventSerializer(events, many=True).data)

    @extend_schema(
        responses={
            (200, ICS_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR, description="The meeting as an iCalendar invitation (METHOD:REQUEST)."
            ),
            404: OpenApiResponse(description="Not a meeting the user takes part in or runs."),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[ICalendarRenderer, JSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def ics(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The meeting as iCalendar (RFC 5545) for one's calendar: UID, SEQUENCE (raised when the
        meeting moves), STATUS (CANCELLED once called off), the organiser and the attendees by name."""
        meeting = self._private_meeting()
        meeting = calendar_meetings(Meeting.objects.filter(pk=meeting.pk)).get()
        body = meeting_calendar(
            [meeting],
            host=calendar_host(request),
            url_of=lambda m: request.build_absolute_uri(reverse("governance:meeting-detail", args=[m.pk])),
            viewer_id=scope_of(request.user).user_id,
            method="REQUEST",
            private=True,
        )
        return ics_response(body, filename=f"meeting-{meeting.pk}.ics")

    @extend_schema(methods=["GET"], responses={200: CalendarFeedSerializer})
    @extend_schema(methods=["POST"], request=None, responses={200: CalendarFeedSerializer})
    @action(
        detail=False, methods=["get", "post"], permission_classes=[SignedIn], filter_backends=[], pagination_class=None
    )
    def feed(self, request: Request) -> Response:
        """The secret address of your personal calendar feed of meetings (GET; null until made);
        POST makes one, or replaces it (the old address stops working)."""
        if request.method == "POST":
            feed: CalendarFeed | None = services.reset_calendar_feed(by=request.user)
        else:
            feed = CalendarFeed.objects.filter(user=request.user).first()
        body = {"url": None, "created_at": None}
        if feed is not None:
            path = reverse("governance:meeting-feed", args=[feed.token])
            body = {"url": request.build_absolute_uri(path), "created_at": feed.created_at}
        return Response(CalendarFeedSerializer(body).data)

    @extend_schema(parameters=[CandidatesQuerySerializer], responses={200: CandidatesSerializer})
    @action(detail=False, methods=["get"], permission_classes=[SignedIn], filter_backends=[], pagination_class=None)
    def candidates(self, request: Request) -> Response:
        """For the community's staff: the organisations and the people who may be invited to its
        meetings (or own their action items), with their roles."""
        parsed = CandidatesQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        community = get_object_or_404(Community.objects.all(), pk=parsed.validated_data["community"])
        if not rules.can_schedule_meeting(request.user, community.pk):
            raise NotAllowed(_("Only the community's staff can invite people to its meetings."))
        people = list(services.invitable_people(community).order_by("full_name", "username"))
        roles: dict[int, list[str]] = {}
        memberships = (
            Membership.objects.active()
            .filter(user__in=[person.pk for person in people])
            .select_related("community", "street", "district", "household__unit__building__estate", "organisation")
            .order_by("id")
        )
        for membership in memberships:
            where = membership.scope_object
            if membership.household_id is not None:
                where = membership.household.unit.building.estate
            roles.setdefault(membership.user_id, []).append(f"{membership.get_role_display()} · {where}")
        body = {
            "people": [{"id": p.pk, "name": p.display_name, "roles": roles.get(p.pk, [])} for p in people],
            "organisations": services.meeting_organisations(community).order_by("kind", "name", "id"),
        }
        return Response(CandidatesSerializer(body).data)


# ---------------------------------------------------------------- the agenda


_meeting_pk = OpenApiParameter(
    "meeting_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id of the meeting."
)
_item_id = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id of the agenda item.")


@extend_schema_view(
    list=extend_schema(parameters=[_meeting_pk]),
    retrieve=extend_schema(parameters=[_meeting_pk, _item_id]),
    create=extend_schema(parameters=[_meeting_pk]),
    partial_update=extend_schema(parameters=[_meeting_pk, _item_id]),
    draw=extend_schema(parameters=[_meeting_pk]),
    reorder=extend_schema(parameters=[_meeting_pk]),
)
class AgendaItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A meeting's agenda, in order: drawn from escalated requests, open disputes and the open
    action items of earlier meetings, plus appeals and other matters added by hand; with the
    notes, outcome and resolution of each. For those who see the meeting (the public reads the
    published minutes instead)."""

    serializer_class = AgendaItemSerializer
    permission_classes = [ReadOrSignedIn]
    pagination_class = None
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            meetings = Meeting.objects.private_to(self.request.user).select_related("community")
            self._meeting = get_object_or_404(meetings, pk=self.kwargs["meeting_pk"])
        return self._meeting

    def get_queryset(self) -> QuerySet[AgendaItem]:
        decided = ActionItem.objects.select_related("owner", "owner_organisation", "meeting").order_by("due_on", "id")
        return (
            AgendaItem.objects.filter(meeting=self.meeting())
            .select_related(
                "request__category",
                "request__household__unit__building",
                "request__unit__building",
                "request__building",
                "dispute",
                "action_item__owner",
                "action_item__owner_organisation",
                "action_item__meeting",
            )
            .prefetch_related(Prefetch("decided_actions", queryset=decided))
            .order_by("position", "id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _list(self) -> Response:
        return Response(
            AgendaItemSerializer(self.get_queryset(), many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=AgendaItemCreateSerializer, responses={201: AgendaItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add an appeal or another matter at the end of the agenda."""
        parsed = AgendaItemCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        item = services.add_agenda_item(self.meeting(), by=request.user, **parsed.validated_data)
        fresh = self.get_queryset().get(pk=item.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgendaItemUpdateSerializer, responses={200: AgendaItemSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write the item's notes, outcome and resolution (or correct its title and description)."""
        item = self.get_object()
        parsed = AgendaItemUpdateSerializer(data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        services.update_agenda_item(item, by=request.user, **parsed.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: AgendaItemSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def draw(self, request: Request, meeting_pk: str | None = None) -> Response:
        """Draw the agenda again: add what was escalated or left open since, take off untouched
        items settled meanwhile. Answers with the whole agenda."""
        services.draw_agenda(self.meeting(), by=request.user)
        return self._list()

    @extend_schema(request=ReorderSerializer, responses={200: AgendaItemSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request, meeting_pk: str | None = None) -> Response:
        """Put the agenda in order: `order` lists every item's id once. Answers with the whole agenda."""
        parsed = ReorderSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        services.reorder_agenda(self.meeting(), by=request.user, order=parsed.validated_data["order"])
        return self._list()


# ---------------------------------------------------------------- action items


class ActionItemFilter(django_filters.FilterSet):
    meeting = django_filters.NumberFilter()
    estate = django_filters.NumberFilter(field_name="meeting__estate")
    community = django_filters.NumberFilter(field_name="meeting__community")
    status = django_filters.MultipleChoiceFilter(choices=ActionItem.Status.choices, distinct=False)
    owner = django_filters.CharFilter(method="filter_owner", label="`me`, or a person's id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Open and past the due day")

    class Meta:
        model = ActionItem
        fields = ["meeting", "status"]

    def filter_owner(self, queryset: QuerySet[ActionItem], name: str, value: str) -> QuerySet[ActionItem]:
        if not value:
            return queryset
        if value == "me":
            return queryset.owned_by(self.request.user)  # type: ignore[attr-defined]
        if not value.isdigit():
            raise Invalid(_("Give `me` or a person's id."), field="owner")
        return queryset.filter(owner_id=int(value))

    def filter_overdue(self, queryset: QuerySet[ActionItem], name: str, value: bool | None) -> QuerySet[ActionItem]:
        if value is None:
            return queryset
        late = Q(status=ActionItem.Status.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ActionItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Action items: what a meeting decided someone must do by a day. An open one appears on the
    agenda of every later meeting of its estate (or community) until done or dropped."""

    serializer_class = ActionItemSerializer
    permission_classes = [ReadOrSignedIn]
    filterset_class = ActionItemFilter
    ordering_fields = ["due_on", "created_at", "id"]
    search_fields = ["title"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ActionItem]:
        return (
            ActionItem.objects.visible_to(self.request.user)
            .select_related("meeting__community", "owner", "owner_organisation", "done_by")
            .order_by("due_on", "id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(request=ActionItemCreateSerializer, responses={201: ActionItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an action item of a meeting (the community's staff, during the meeting or
        before its minutes are published), optionally from one of its agenda items."""
        parsed = ActionItemCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        meeting = Meeting.objects.private_to(request.user).filter(pk=data.pop("meeting")).first()
        if meeting is None:
            raise Invalid(_("Choose one of your meetings."), field="meeting")
        agenda_item_id = data.pop("agenda_item", None)
        agenda_item = None
        if agenda_item_id is not None:
            agenda_item = AgendaItem.objects.filter(pk=agenda_item_id, meeting=meeting).first()
            if agenda_item is None:
                raise Invalid(_("This item is not on the meeting's agenda."), field="agenda_item")
        item = services.add_action_item(meeting, by=request.user, agenda_item=agenda_item, **data)
        return self._body(item.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=ActionNoteSerializer, responses={200: ActionItemSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark it done (its owner, or the community's staff)."""
        item = self.get_object()
        parsed = ActionNoteSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        services.complete_action_item(item, by=request.user, note=parsed.validated_data["note"])
        return self._body(item.pk)

    @extend_schema(request=ActionNoteSerializer, responses={200: ActionItemSerializer})
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, pk: str | None = None) -> Response:
        """Drop it, saying why (its owner, or the community's staff)."""
        item = self.get_object()
        parsed = ActionNoteSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        services.drop_action_item(item, by=request.user, note=parsed.validated_data["note"])
        return self._body(item.pk)
