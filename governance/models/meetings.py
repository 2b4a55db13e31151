"""The monthly joint meeting (联席会议) and the four consultations of 三事四协商, with their
agenda, attendance, minutes and the action items that carry over until done."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from estates.models import Community, Estate, Organisation

from .disputes import Dispute
from .requests import ResidentRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User | AnonymousUser) -> MeetingQuerySet:
        """Meetings with published minutes are public; the others are seen by the community's
        staff, the participants and the members of the participating organisations."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        condition = Q(minutes_published_at__isnull=False)
        if scope.user_id:
            condition |= Q(community_id__in=scope.staff_community_ids) | self._private_to(scope)
        return self.filter(condition)

    @staticmethod
    def _private_to(scope: Any) -> Q:
        """A participant, or a member of a participating organisation (as subqueries: no duplicates)."""
        seats = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user_id=scope.user_id)
        condition = Q(Exists(seats))
        if scope.organisation_ids:
            taking_part = Meeting.organisations.through.objects.filter(
                meeting_id=OuterRef("pk"), organisation_id__in=scope.organisation_ids
            )
            condition |= Q(Exists(taking_part))
        return condition

    def private_to(self, user: User | AnonymousUser) -> MeetingQuerySet:
        """Meetings whose agenda, participants and draft minutes the user may see."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        if not scope.user_id:
            return self.none()
        return self.filter(Q(community_id__in=scope.staff_community_ids) | self._private_to(scope))

    def with_viewer_access(self, user: User | AnonymousUser) -> MeetingQuerySet:
        """Annotate `viewer_has_access`: whether the user sees more than the published minutes."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.annotate(viewer_has_access=Value(True))
        if not scope.user_id:
            return self.annotate(viewer_has_access=Value(False))
        condition = Q(community_id__in=scope.staff_community_ids) | self._private_to(scope)
        return self.annotate(
            viewer_has_access=Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
        )

    def mine(self, user: User | AnonymousUser) -> MeetingQuerySet:
        """The meetings the user takes part in: as a participant or as the organiser."""
        user_id = getattr(user, "pk", None)
        if user_id is None:
            return self.none()
        seats = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user_id=user_id)
        return self.filter(Q(organiser_id=user_id) | Q(Exists(seats)))

    def managed_by(self, user: User | AnonymousUser) -> MeetingQuerySet:
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(community_id__in=scope.staff_community_ids)

    def published(self) -> MeetingQuerySet:
        return self.filter(minutes_published_at__isnull=False)


class Meeting(models.Model):
    """A meeting of the parties that run an estate or a community."""

    class Kind(models.TextChoices):
        JOINT = "joint", _("Monthly joint meeting (联席会议)")
        DELIBERATION = "deliberation", _("Deliberation (议事协商)")
        COORDINATION = "coordination", _("Multi-party coordination (联动协商)")
        HEARING = "hearing", _("Hearing (听证协商)")
        EXPERT = "expert", _("Expert consultation (专业协商)")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", pgettext_lazy("meeting status", "In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.SCHEDULED: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.JOINT)
    title = models.CharField(_("title"), max_length=120)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name=_("estate")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    organisations = models.ManyToManyField(
        Organisation, related_name="meetings", blank=True, verbose_name=_("participating organisations")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    uid = models.UUIDField(_("calendar id"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    summary = models.TextField(_("minutes: summary"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_time_order"),
            models.CheckConstraint(
                condition=Q(kind__in=["joint", "deliberation", "coordination", "hearing", "expert"]),
                name="meeting_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "in_progress", "closed", "cancelled"]), name="meeting_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(minutes_published_at__isnull=True) | Q(status="closed"),
                name="meeting_minutes_published_only_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="meeting_community_start_idx"),
            # Lists, newest first: most meetings are public (published minutes), so walking this
            # index backwards finds a page at once instead of sorting every visible meeting.
            models.Index(fields=["starts_at", "id"], name="meeting_start_id"),
            # The reminder producer: scheduled meetings starting in the next days.
            models.Index(fields=["starts_at"], condition=Q(status="scheduled"), name="meeting_scheduled_start"),
            # The reminder producer: meetings whose minutes are still unpublished (few, in time).
            models.Index(
                fields=["ends_at"], condition=Q(minutes_published_at__isnull=True), name="meeting_minutes_pending"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_published(self) -> bool:
        return self.minutes_published_at is not None


class MeetingEvent(models.Model):
    """The meeting's timeline: scheduled, moved (a new time or place, which raises the calendar
    SEQUENCE), started, closed, minutes published, cancelled — who, when, and what changed."""

    class Action(models.TextChoices):
        # A context of their own: "Scheduled" as a step differs from "Scheduled" as a status (待召开).
        SCHEDULED = "scheduled", pgettext_lazy("meeting event", "Scheduled")
        UPDATED = "updated", _("Details changed")
        MOVED = "moved", _("Moved to a new time or place")
        STARTED = "started", pgettext_lazy("meeting event", "Started")
        CLOSED = "closed", pgettext_lazy("meeting event", "Closed")
        PUBLISHED = "published", _("Minutes published")
        CANCELLED = "cancelled", pgettext_lazy("meeting event", "Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Meeting.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Meeting.Status.choices)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "at", "id"]
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=["scheduled", "updated", "moved", "started", "closed", "published", "cancelled"]
                ),
                name="meeting_event_action_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.action}"


class MeetingParticipant(models.Model):
    """A person invited to a meeting, and whether they came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_seats")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_unique")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.user}"


class AgendaItem(models.Model):
    """One item on a meeting's agenda, drawn from a request, a dispute, an appeal or an earlier
    meeting's open action item, with what the meeting said and decided about it."""

    class Source(models.TextChoices):
        REQUEST = "request", _("Escalated request")
        DISPUTE = "dispute", _("Dispute")
        APPEAL = "appeal", _("Appeal")
        ACTION_ITEM = "action_item", _("Open action item")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.OTHER)
    request = models.ForeignKey(
        ResidentRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items")
    action_item = models.ForeignKey(
        "ActionItem", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            # The link matches the source; each thing is on a meeting's agenda at most once.
            models.CheckConstraint(
                condition=(
                    (
                        Q(source="request")
                        & Q(request__isnull=False)
                        & Q(dispute__isnull=True)
                        & Q(action_item__isnull=True)
                    )
                    | (
                        Q(source="dispute")
                        & Q(request__isnull=True)
                        & Q(dispute__isnull=False)
                        & Q(action_item__isnull=True)
                    )
                    | (
                        Q(source="action_item")
                        & Q(request__isnull=True)
                        & Q(dispute__isnull=True)
                        & Q(action_item__isnull=False)
                    )
                    | (
                        Q(source__in=["appeal", "other"])
                        & Q(request__isnull=True)
                        & Q(dispute__isnull=True)
                        & Q(action_item__isnull=True)
                    )
                ),
                name="agenda_item_source_matches_link",
            ),
            models.UniqueConstraint(
                fields=["meeting", "request"], condition=Q(request__isnull=False), name="agenda_item_unique_request"
            ),
            models.UniqueConstraint(
                fields=["meeting", "dispute"], condition=Q(dispute__isnull=False), name="agenda_item_unique_dispute"
            ),
            models.UniqueConstraint(
                fields=["meeting", "action_item"],
                condition=Q(action_item__isnull=False),
                name="agenda_item_unique_action",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionItem.Status.OPEN)

    def visible_to(self, user: User | AnonymousUser) -> ActionItemQuerySet:
        """Action items follow their meeting (public once its minutes are, else for its staff,
        participants and participating organisations); and their owners always see them."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        condition = Q(meeting__in=Meeting.objects.visible_to(user))
        if scope.user_id:
            condition |= Q(owner_id=scope.user_id)
            if scope.organisation_ids:
                condition |= Q(owner_organisation_id__in=scope.organisation_ids)
        return self.filter(condition)

    def overdue(self, today: date) -> ActionItemQuerySet:
        """Open items whose due day has passed."""
        return self.filter(status=ActionItem.Status.OPEN, due_on__lt=today)

    def owned_by(self, user: User | AnonymousUser) -> ActionItemQuerySet:
        """Items the user owns, in person or through an organisation they belong to."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if not scope.user_id:
            return self.none()
        return self.filter(Q(owner_id=scope.user_id) | Q(owner_organisation_id__in=scope.organisation_ids))


class ActionItem(models.Model):
    """Something a meeting decided that someone must do by a date; it stays on the agenda of the
    next meetings until it is done or dropped."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("decided at")
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decided_actions"
    )
    title = models.CharField(_("what"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=pgettext_lazy("action item", "owner"),
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner organisation"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
        help_text=_("Who marked it done or dropped."),
    )
    done_note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "dropped"]), name="action_item_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(owner_organisation__isnull=False), name="action_item_has_owner"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="action_item_status_due_idx")]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's secret address for the iCalendar feed of their meetings (calendar apps
    cannot sign in, so the address itself is the key; it can be replaced at any time)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
