"""Reminders and what they deliver: an in-app notification each, and at most one e-mail.

A reminder is a row with a due moment, scheduled by a producer (a periodic task that looks at
requests, meetings, rating rounds…). Its `key` — kind, target, recipient and due moment — is
unique in the database, so scheduling it again, or a second beat, changes nothing. The minute
sweep claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` and, in the same transaction,
writes their notifications and marks them sent: a worker that dies mid-batch leaves them
pending for the next sweep, and the one-to-one link from notification to reminder makes a
second notification impossible.

Title and body are rendered when the reminder is scheduled, in the recipient's language
(their notification preference, else the site's): producers know what to say, the sweep only
copies. A notification never changes after it is written, like a letter.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User


class Reminder(models.Model):
    """One reminder to one person about one thing, due at one moment."""

    class Kind(models.TextChoices):
        MEETING_SOON = "meeting_soon", _("Meeting coming up")
        MINUTES_DUE = "minutes_due", _("Minutes not yet published")
        REQUEST_NOT_TAKEN = "request_not_taken", _("Request not taken in time")
        REQUEST_NOT_TAKEN_STAFF = "request_not_taken_staff", _("Request still not taken")
        REQUEST_OVERDUE = "request_overdue", _("Request past its due time")
        REQUEST_UNANSWERED = "request_unanswered", _("Resolved request waiting for the resident")
        ACTION_ITEM_DUE = "action_item_due", _("Action item due soon")
        ACTION_ITEM_OVERDUE = "action_item_overdue", _("Action item overdue")
        RATING_ROUND_OPEN = "rating_round_open", _("Rating round opened")
        RATING_NOT_SCORED = "rating_not_scored", _("Rating round not yet scored")
        RATING_ROUND_CLOSED = "rating_round_closed", _("Rating round closed")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    target_type = models.CharField(
        _("about (type)"), max_length=60, help_text=_("The model it is about, e.g. governance.residentrequest.")
    )
    target_id = models.PositiveBigIntegerField(_("about (id)"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("recipient")
    )
    due_at = models.DateTimeField(_("due at"))
    key = models.CharField(_("key"), max_length=255, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(
        _("link"), max_length=300, blank=True, help_text=_("A path in the site, e.g. /requests/12/.")
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("scheduled at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            # The minute sweep: due pending reminders in due order. Sent ones (nearly all rows,
            # in time) stay out of the index.
            models.Index(fields=["due_at", "id"], condition=Q(status="pending"), name="reminder_pending_due"),
            # Cancelling a moved meeting's reminders.
            models.Index(fields=["target_type", "target_id", "kind"], name="reminder_target"),
        ]
        constraints = [
            # Exactly once: the same reminder scheduled twice is one row.
            models.UniqueConstraint(fields=["key"], name="reminder_key_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "cancelled", "failed"]), name="reminder_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient_id} · {self.due_at:%Y-%m-%d %H:%M}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User | AnonymousUser) -> NotificationQuerySet:
        """A person's notifications are theirs alone (administrators included)."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """What a person sees in the notification centre: one per delivered reminder."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    reminder = models.OneToOneField(
        Reminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
        verbose_name=_("reminder"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Reminder.Kind.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The bell's unread count on every page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a person wants to hear: e-mail on or off, quiet hours for e-mail, the language.

    Without a row the defaults apply: e-mail on (when the account has an address), no quiet
    hours, the site's language. Quiet hours are local times (the site's time zone) and may
    span midnight (22:00–07:00); in-app notifications are never held back."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("person"),
    )
    email_enabled = models.BooleanField(_("send e-mail"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, help_text=_("Empty: the site's.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (Q(quiet_start__isnull=False, quiet_end__isnull=False) & ~Q(quiet_start=models.F("quiet_end"))),
                name="notification_quiet_hours_pair",
            )
        ]

    def __str__(self) -> str:
        return str(self.user_id)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None and self.quiet_start != self.quiet_end

    def is_quiet(self, local: time) -> bool:
        """Whether a local time of day lies in the quiet hours (the start included, the end not)."""
        if not self.has_quiet_hours:
            return False
        start, end = self.quiet_start, self.quiet_end
        assert start is not None and end is not None
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def quiet_until(self, moment: datetime) -> datetime | None:
        """When the quiet hours around `moment` end, or None when `moment` is not in them."""
        local = timezone.localtime(moment)
        if not self.is_quiet(local.time().replace(tzinfo=None)):
            return None
        assert self.quiet_end is not None
        end = timezone.make_aware(datetime.combine(local.date(), self.quiet_end))
        if end <= local:
            end = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), self.quiet_end))
        return end


class EmailDelivery(models.Model):
    """The e-mail of one notification: sent at most once (the row is locked while sending,
    and `sent_at` is set in the same transaction). `not_before` holds it through quiet hours;
    the minute e-mail sweep sends it then — never a long countdown on the broker."""

    MAX_ATTEMPTS = 6  # the first try and five retries

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email", verbose_name=_("notification")
    )
    to_address = models.EmailField(_("to"))
    not_before = models.DateTimeField(_("not before"))
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        indexes = [
            models.Index(fields=["not_before", "id"], condition=Q(sent_at__isnull=True), name="email_delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.to_address}"

    @property
    def has_failed(self) -> bool:
        """Every attempt used up without success."""
        return self.sent_at is None and self.attempts >= self.MAX_ATTEMPTS
