"""The REST API of disputes (纠纷): reads start from `visible_to`, every action calls a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from estates.errors import Invalid
from estates.models import User
from estates.permissions import SignedIn, can_view_contact
from estates.scope import scope_of
from estates.serializers import PersonSerializer, person_data

from .. import services
from ..models import AgendaItem, Dispute, DisputeParty
from ..permissions import disputes as permissions
from ..permissions.requests import is_estate_staff
from ..serializers.disputes import (
    AddPartySerializer,
    AssignMediatorsSerializer,
    DisputeCreateSerializer,
    DisputeEventSerializer,
    DisputeSerializer,
    DisputeSessionSerializer,
    HearSerializer,
    MediatorsQuerySerializer,
    SessionInputSerializer,
    SettleSerializer,
)


class DisputeFilter(django_filters.FilterSet):
    estate = django_filters.NumberFilter()
    stage = django_filters.MultipleChoiceFilter(choices=Dispute.Stage.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=Dispute.Kind.choices)
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Mine: my household is a party, I raised it, or I mediate it"
    )

    class Meta:
        model = Dispute
        fields = ["estate", "stage", "kind"]

    def filter_mine(self, queryset: QuerySet[Dispute], name: str, value: bool | None) -> QuerySet[Dispute]:
        if not value:
            return queryset
        scope = scope_of(self.request.user)
        parties = Q(person_id=scope.user_id)
        if scope.household_ids:
            parties |= Q(household_id__in=scope.household_ids)
        return queryset.filter(
            Q(raised_by_id=scope.user_id)
            | Q(pk__in=DisputeParty.objects.filter(parties).values("dispute_id"))
            | Q(pk__in=Dispute.mediators.through.objects.filter(user_id=scope.user_id).values("dispute_id"))
        )


Service = Callable[..., Any]


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disputes between households (纠纷), through 说事 raised → 听事 heard → 解事 settled. Seen only
    by the parties, the mediators and the estate's staff; anyone else gets 404. A forbidden move
    answers 403, an illegal one 409."""

    serializer_class = DisputeSerializer
    permission_classes = [SignedIn]
    filterset_class = DisputeFilter
    ordering_fields = ["created_at", "updated_at", "id"]
    search_fields = ["title", "description"]
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Dispute]:
        parties = DisputeParty.objects.select_related("household__unit__building", "person").order_by("side", "id")
        agenda = AgendaItem.objects.select_related("meeting").only(
            "id", "dispute_id", "meeting_id", "meeting__id", "meeting__title", "meeting__starts_at"
        )
        return (
            Dispute.objects.visible_to(self.request.user)
            .select_related("estate", "raised_by")
            .prefetch_related(
                Prefetch("parties", queryset=parties),
                Prefetch("mediators", queryset=User.objects.order_by("id")),
                Prefetch("agenda_items", queryset=agenda),
            )
            .annotate(session_count=Count("sessions"))
            .order_by("-created_at", "-id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "_sees_people": {}}

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _act(self, service: Service, input_serializer: type[serializers.Serializer]) -> Response:
        target = self.get_object()
        parsed = input_serializer(data=self.request.data)
        parsed.is_valid(raise_exception=True)
        service(target, by=self.request.user, **parsed.validated_data)
        return self._body(target.pk)

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Raise a dispute (邻里来说事): a resident for their household, a mediator or the estate's staff
        for households of the estate. `parties`: [{household, side (applicant|respondent), person?}]."""
        parsed = DisputeCreateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        estate = data.pop("estate")
        created = services.raise_dispute(estate, by=request.user, **data)
        return self._body(created.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=HearSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def hear(self, request: Request, pk: str | None = None) -> Response:
        """Mark the dispute heard (听事) without a session yet."""
        return self._act(services.hear_dispute, HearSerializer)

    @extend_schema(request=SettleSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str | None = None) -> Response:
        """Settle the dispute (解事): `outcome` (agreement, referred, withdrawn) and a `note`."""
        return self._act(services.settle_dispute, SettleSerializer)

    @extend_schema(request=AssignMediatorsSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"], url_path="assign-mediators")
    def assign_mediators(self, request: Request, pk: str | None = None) -> Response:
        """Set the mediators (replacing the list), from the estate's dispute-mediation team."""
        target = self.get_object()
        parsed = AssignMediatorsSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        ids = set(parsed.validated_data["mediators"])
        people = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(people) != len(ids):
            raise Invalid(_("Choose mediators of this estate's dispute-mediation team."), field="mediators")
        services.assign_mediators(target, by=request.user, mediators=people)
        return self._body(target.pk)

    @extend_schema(request=AddPartySerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"], url_path="add-party")
    def add_party(self, request: Request, pk: str | None = None) -> Response:
        """Add a household (by default as the other party) to the dispute."""
        target = self.get_object()
        parsed = AddPartySerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        services.add_party(target, by=request.user, **parsed.validated_data)
        return self._body(target.pk)

    @extend_schema(methods=["GET"], responses={200: DisputeSessionSerializer(many=True)})
    @extend_schema(methods=["POST"], request=SessionInputSerializer, responses={201: DisputeSessionSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def sessions(self, request: Request, pk: str | None = None) -> Response:
        """The mediation sessions, earliest first; POST records one (notes, `held_at`, `place`).
        The first session of a raised dispute moves it to heard (听事)."""
        target = self.get_object()
        context = {**self.get_serializer_context(), "dispute": target}
        if request.method == "POST":
            parsed = SessionInputSerializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            session = services.hold_session(target, by=request.user, **parsed.validated_data)
            return Response(DisputeSessionSerializer(session, context=context).data, status=status.HTTP_201_CREATED)
        sessions = target.sessions.select_related("recorded_by").order_by("held_at", "id")
        return Response(DisputeSessionSerializer(sessions, many=True, context=context).data)

    @extend_schema(responses={200: DisputeEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Every step of the dispute: who, when, from which stage to which, and the note."""
        target = self.get_object()
        events = target.events.select_related("by").order_by("at", "id")
        context = {**self.get_serializer_context(), "dispute": target}
        return Response(DisputeEventSerializer(events, many=True, context=context).data)

    @extend_schema(parameters=[MediatorsQuerySerializer], responses={200: PersonSerializer(many=True)})
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def mediators(self, request: Request) -> Response:
        """The mediators of an estate's dispute-mediation team, to choose from: for the estate's
        staff and the team's mediators (404 for anyone else)."""
        parsed = MediatorsQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        estate_id = parsed.validated_data["estate"]
        if not (is_estate_staff(request.user, estate_id) or permissions.is_team_mediator(request.user, estate_id)):
            raise NotFound()
        people = services.team_mediators(estate_id)
        return Response(
            [
                person_data(person, show_phone=can_view_contact(request.user, person, estate_ids={estate_id}))
                for person in people
            ]
        )
