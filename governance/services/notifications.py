"""Reminders, notifications and their e-mail: scheduled once, delivered once, sent at most once.

How a reminder travels:

1. A producer (a periodic task: requests here, meetings and ratings in their topics) calls
   `schedule_reminder` / `schedule_reminders`. The row's unique `key` (kind, target,
   recipient, due moment) makes a second call — a second beat, a rerun — insert nothing.
   Title and body are rendered now, in the recipient's language: pass plain strings, or
   lazy ones (`gettext_lazy`, `format_lazy`) to have them rendered in that language.
2. The minute sweep `deliver_due_reminders` claims due pending rows with
   `SELECT … FOR UPDATE SKIP LOCKED`, writes their notifications (and e-mail rows) and marks
   them sent in the same transaction. A worker killed mid-batch rolls back: the rows stay
   pending and unlocked for the next sweep; two sweeps at once take disjoint rows; and
   `Notification.reminder` is one-to-one, so a second notification cannot exist.
3. After the commit, `send_notification_email` is enqueued for e-mail that may go now. It
   locks its `EmailDelivery` row while sending and marks it sent in that transaction, so a
   duplicate task finds it locked or sent. E-mail held by quiet hours, or whose task was
   lost, is picked up by the minute sweep `send_due_emails` — no long countdown on the
   broker (Redis would deliver such a task again after its visibility timeout).

Only the SMTP call is retried (by the task, with exponential backoff). One window remains
that no mail system closes: a worker dying after the mail server accepted a message but
before the commit sends it again.

A producer for a thing that can move (a meeting) cancels the pending reminders and schedules
them again; those whose moment did not change come back (a cancelled key is revived):

    cancel_reminders(target=meeting, kinds=[Kind.MEETING_SOON])
    for person in participants:
        for days in (3, 1):
            schedule_reminder(
                kind=Kind.MEETING_SOON, target=meeting, recipient=person,
                due_at=meeting.starts_at - timedelta(days=days),
                title=format_lazy(gettext_lazy("{title} in {days} days"), title=meeting.title, days=days),
                url=reverse("governance:meeting-detail", args=[meeting.pk]),
            )
"""

from __future__ import annotations

import logging
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from estates.errors import Invalid, NotAllowed
from estates.models import Household, Membership, Organisation, Unit, User

from ..models import (
    EmailDelivery,
    EstatePolicy,
    Notification,
    NotificationPreference,
    Reminder,
    RequestCategory,
    ResidentRequest,
)

__all__ = [
    "ReminderDraft",
    "cancel_reminders",
    "days_with_moment_in",
    "deliver_due_reminders",
    "mark_all_notifications_read",
    "mark_notification_read",
    "notification_preferences_of",
    "recipient_languages",
    "reminder_drafts",
    "reminder_key",
    "schedule_reminder",
    "schedule_reminders",
    "schedule_request_reminders",
    "send_due_emails",
    "send_notification_email",
    "update_notification_preferences",
]

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Target = models.Model | tuple[str, int]

# E-mail queued but still unsent this long after (its task lost, or its retries spent on a
# broken server) is queued again by the e-mail sweep. Longer than the task's retries take.
EMAIL_REQUEUE_AFTER = timedelta(minutes=10)
MAX_TITLE = 200
MAX_BATCHES = 200


# ---------------------------------------------------------------- scheduling


def _target(target: Target) -> tuple[str, int]:
    """`(model label, id)` of what a reminder is about: a model instance, or the pair itself."""
    if isinstance(target, models.Model):
        return target._meta.label_lower, int(target.pk)
    target_type, target_id = target
    return str(target_type), int(target_id)


def reminder_key(kind: str, target_type: str, target_id: int, recipient_id: int, due_at: datetime) -> str:
    """The reminder's identity: the same kind, target, recipient and due moment is the same reminder."""
    moment = due_at.astimezone(UTC).isoformat()
    return f"{kind}:{target_type}:{target_id}:{recipient_id}:{moment}"


def recipient_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's language for notifications: their preference, else the site's."""
    ids = set(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids).exclude(language="").values_list("user_id", "language")
    )
    return {user_id: chosen.get(user_id, settings.LANGUAGE_CODE) for user_id in ids}


@dataclass(frozen=True)
class ReminderDraft:
    """A reminder to schedule, its text already rendered in the recipient's language."""

    kind: str
    target_type: str
    target_id: int
    recipient_id: int
    due_at: datetime
    title: str
    body: str = ""
    url: str = ""
    language: str = ""

    @property
    def key(self) -> str:
        return reminder_key(self.kind, self.target_type, self.target_id, self.recipient_id, self.due_at)


def _clean_draft(draft: ReminderDraft) -> ReminderDraft:
    if draft.kind not in Kind.values:
        raise Invalid(_("Unknown kind of reminder: %(kind)s.") % {"kind": draft.kind}, field="kind")
    if not draft.target_type or len(draft.target_type) > 60:
        raise Invalid(_("Say what the reminder is about (a model label)."), field="target")
    if timezone.is_naive(draft.due_at):
        raise Invalid(_("The due time needs a time zone."), field="due_at")
    title = " ".join(str(draft.title).split())[:MAX_TITLE]
    if not title:
        raise Invalid(_("A reminder needs a title."), field="title")
    url = str(draft.url)
    if (url and not (url.startswith("/") and not url.startswith("//"))) or len(url) > 300:
        raise Invalid(_("A reminder links to a page of the site, e.g. /requests/12/."), field="url")
    return ReminderDraft(
        kind=draft.kind,
        target_type=draft.target_type,
        target_id=draft.target_id,
        recipient_id=draft.recipient_id,
        due_at=draft.due_at,
        title=title,
        body=str(draft.body),
        url=url,
        language=draft.language,
    )


Render = Callable[[Any, datetime, str], tuple[str, str]]


def reminder_drafts(
    items: Iterable[tuple[models.Model, datetime, Iterable[int]]],
    kind: str,
    render: Render,
    url: Callable[[Any], str],
    *,
    skip_scheduled: bool = True,
) -> list[ReminderDraft]:
    """One draft per (target, due moment) and recipient, its title and body rendered by
    `render(target, due, language)` in the recipient's language (once per language).

    A producer looks back a whole day every few minutes, so nearly everything it finds is
    scheduled already: those reminders (pending, sent or failed) are left out before any text
    is rendered (`skip_scheduled`). A cancelled one is drafted again, to be revived."""
    items = [(target, due, set(recipients)) for target, due, recipients in items]
    if skip_scheduled and items:
        keys = {
            (target_key, recipient_id, due): reminder_key(kind, *target_key, recipient_id, due)
            for target, due, recipients in items
            for target_key in [_target(target)]
            for recipient_id in recipients
        }
        scheduled = set(
            Reminder.objects.filter(key__in=list(keys.values()))
            .exclude(status=Reminder.Status.CANCELLED)
            .values_list("key", flat=True)
        )
        items = [
            (target, due, {r for r in recipients if keys[(_target(target), r, due)] not in scheduled})
            for target, due, recipients in items
        ]
        items = [item for item in items if item[2]]
    languages = recipient_languages(set().union(set(), *(recipients for _t, _d, recipients in items)))
    drafts = []
    for target, due, recipients in items:
        target_type, target_id = _target(target)
        link = url(target)
        texts: dict[str, tuple[str, str]] = {}
        for recipient_id in sorted(recipients):
            language = languages[recipient_id]
            if language not in texts:
                with translation.override(language):
                    texts[language] = render(target, due, language)
            title, body = texts[language]
            drafts.append(
                ReminderDraft(
                    kind=kind,
                    target_type=target_type,
                    target_id=target_id,
                    recipient_id=recipient_id,
                    due_at=due,
                    title=title,
                    body=body,
                    url=link,
                    language=language,
                )
            )
    return drafts


@transaction.atomic
def schedule_reminders(drafts: Iterable[ReminderDraft]) -> int:
    """Schedule many reminders at once; those that exist already (pending or sent) are left
    as they are, a cancelled one with the same key is pending again. Returns how many were
    new or revived. Safe to run twice, or from two processes at once (the unique key)."""
    by_key: dict[str, ReminderDraft] = {}
    for draft in drafts:
        by_key.setdefault(draft.key, _clean_draft(draft))
    if not by_key:
        return 0
    existing = dict(Reminder.objects.filter(key__in=list(by_key)).values_list("key", "status"))
    now = timezone.now()
    new = [
        Reminder(
            kind=d.kind,
            target_type=d.target_type,
            target_id=d.target_id,
            recipient_id=d.recipient_id,
            due_at=d.due_at,
            key=key,
            title=d.title,
            body=d.body,
            url=d.url,
            language=d.language,
            created_at=now,
        )
        for key, d in by_key.items()
        if key not in existing
    ]
    # A concurrent producer may insert the same key between the read and this insert: the
    # unique constraint turns that into "do nothing" (INSERT … ON CONFLICT DO NOTHING).
    Reminder.objects.bulk_create(new, ignore_conflicts=True)
    revived = 0
    for key, status in existing.items():
        if status == Reminder.Status.CANCELLED:
            d = by_key[key]
            revived += Reminder.objects.filter(key=key, status=Reminder.Status.CANCELLED).update(
                status=Reminder.Status.PENDING,
                cancelled_at=None,
                title=d.title,
                body=d.body,
                url=d.url,
                language=d.language,
            )
    return len(new) + revived


def schedule_reminder(
    *,
    kind: str,
    target: Target,
    recipient: User | int,
    due_at: datetime,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
) -> Reminder | None:
    """Schedule one reminder; idempotent. `title` and `body` are rendered in the recipient's
    language (pass lazy strings to have them translated). Returns the new (or revived)
    reminder, or None when it was scheduled already."""
    recipient_id = recipient if isinstance(recipient, int) else recipient.pk
    target_type, target_id = _target(target)
    language = recipient_languages([recipient_id])[recipient_id]
    with translation.override(language):
        draft = ReminderDraft(
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            recipient_id=recipient_id,
            due_at=due_at,
            title=str(title),
            body=str(body),
            url=str(url),
            language=language,
        )
    key = draft.key
    with transaction.atomic():
        before = Reminder.objects.filter(key=key).values_list("status", flat=True).first()
        if before in (Reminder.Status.PENDING, Reminder.Status.SENT, Reminder.Status.FAILED):
            return None
        if not schedule_reminders([draft]):
            return None
        return Reminder.objects.get(key=key)


@transaction.atomic
def cancel_reminders(
    *,
    target: Target,
    kinds: Sequence[str] | None = None,
    due_before: datetime | None = None,
    recipient: User | int | None = None,
) -> int:
    """Cancel the pending reminders about `target` (of the given kinds, due before a moment,
    for one recipient): a moved meeting cancels its stale reminders, then its producer
    schedules the new ones. Sent reminders stay as they were. Returns how many."""
    target_type, target_id = _target(target)
    pending = Reminder.objects.filter(target_type=target_type, target_id=target_id, status=Reminder.Status.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    if due_before is not None:
        pending = pending.filter(due_at__lt=due_before)
    if recipient is not None:
        pending = pending.filter(recipient_id=recipient if isinstance(recipient, int) else recipient.pk)
    return pending.update(status=Reminder.Status.CANCELLED, cancelled_at=timezone.now())


# ---------------------------------------------------------------- delivery


def notification_preferences_of(user: User | int) -> NotificationPreference:
    """The person's preferences: their row, or the defaults (unsaved) when they have none."""
    user_id = user if isinstance(user, int) else user.pk
    found = NotificationPreference.objects.filter(user_id=user_id).first()
    return found or NotificationPreference(user_id=user_id)


def _test_delay() -> float:
    """Seconds to linger per reminder inside the sweep's transaction: a knob for the fault
    test that kills a worker mid-batch (REMINDER_SWEEP_TEST_DELAY_MS); zero otherwise."""
    return max(0, int(getattr(settings, "REMINDER_SWEEP_TEST_DELAY_MS", 0) or 0)) / 1000


def _deliver_batch(now: datetime, batch: int) -> int:
    """Deliver up to `batch` due reminders in one transaction; returns how many were claimed."""
    with transaction.atomic():
        rows = list(
            Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list(
                "id",
                "recipient_id",
                "kind",
                "title",
                "body",
                "url",
                "recipient__email",
                "recipient__is_active",
            )[:batch]
        )
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        # A notification already there (a reminder set back to pending by hand) counts as delivered.
        delivered = set(Notification.objects.filter(reminder_id__in=ids).values_list("reminder_id", flat=True))
        prefs = {
            pref.user_id: pref for pref in NotificationPreference.objects.filter(user_id__in={row[1] for row in rows})
        }
        sent_at = timezone.now()
        notifications: list[Notification] = []
        emails: dict[int, str] = {}
        inactive: list[int] = []
        for reminder_id, recipient_id, kind, title, body, url, email, is_active in rows:
            if reminder_id in delivered:
                continue
            if not is_active:
                inactive.append(reminder_id)
                continue
            notifications.append(
                Notification(
                    recipient_id=recipient_id,
                    reminder_id=reminder_id,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    created_at=sent_at,
                )
            )
            pref = prefs.get(recipient_id)
            if email and (pref is None or pref.email_enabled):
                emails[reminder_id] = email
        Notification.objects.bulk_create(notifications)
        Reminder.objects.filter(pk__in=[pk for pk in ids if pk not in inactive]).update(
            status=Reminder.Status.SENT, sent_at=sent_at
        )
        if inactive:
            Reminder.objects.filter(pk__in=inactive).update(
                status=Reminder.Status.FAILED, last_error="The recipient's account is inactive."
            )
        deliveries = []
        for notification in notifications:
            address = emails.get(notification.reminder_id or 0)
            if not address:
                continue
            pref = prefs.get(notification.recipient_id)
            held_until = pref.quiet_until(sent_at) if pref is not None else None
            deliveries.append(
                EmailDelivery(
                    notification_id=notification.pk,
                    to_address=address,
                    not_before=held_until or sent_at,
                    queued_at=None if held_until else sent_at,
                    created_at=sent_at,
                )
            )
        EmailDelivery.objects.bulk_create(deliveries)
        delay = _test_delay()
        if delay:
            clock.sleep(delay * len(rows))
        queued = [d.notification_id for d in deliveries if d.queued_at is not None]
        if queued:
            transaction.on_commit(lambda: _enqueue_emails(queued))
    return len(rows)


def deliver_due_reminders(now: datetime | None = None, *, batch: int = 500) -> int:
    """The minute sweep: deliver every reminder due by `now`, batch after batch, each batch
    one transaction (claim with SKIP LOCKED, write the notifications and e-mail rows, mark
    sent). Concurrent sweeps share the work; none delivers a reminder twice. Returns how
    many reminders it claimed."""
    now = now or timezone.now()
    batch = max(1, min(int(batch), 5000))
    total = 0
    for _round in range(MAX_BATCHES):
        claimed = _deliver_batch(now, batch)
        total += claimed
        if claimed < batch:
            break
    return total


def _enqueue_emails(notification_ids: Sequence[int]) -> None:
    from .. import tasks

    for notification_id in notification_ids:
        tasks.send_notification_email.delay(notification_id)


@transaction.atomic
def send_due_emails(now: datetime | None = None, *, batch: int = 500) -> int:
    """The e-mail sweep: queue the e-mail whose quiet hours have ended, and any still unsent
    long after it was queued (its task lost). Returns how many it queued."""
    now = now or timezone.now()
    ids = list(
        EmailDelivery.objects.filter(sent_at__isnull=True, not_before__lte=now, attempts__lt=EmailDelivery.MAX_ATTEMPTS)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - EMAIL_REQUEUE_AFTER))
        .order_by("not_before", "id")
        .select_for_update(skip_locked=True)
        .values_list("notification_id", flat=True)[: max(1, int(batch))]
    )
    if ids:
        EmailDelivery.objects.filter(notification_id__in=ids).update(queued_at=now)
        transaction.on_commit(lambda: _enqueue_emails(ids))
    return len(ids)


def _email_message(delivery: EmailDelivery) -> tuple[str, str]:
    notification = delivery.notification
    language = recipient_languages([notification.recipient_id])[notification.recipient_id]
    base = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        subject = " ".join(notification.title.split())
        text = render_to_string(
            "governance/notification_email.txt",
            {
                "notification": notification,
                "link": f"{base}{notification.url}" if notification.url else "",
                "preferences_link": base + reverse("governance:notification-preferences"),
            },
        )
    return subject, text


def send_notification_email(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send a notification's e-mail, at most once: the delivery row is locked while sending
    and marked sent in the same transaction; a duplicate task finds it locked (and skips)
    or sent. Held by quiet hours, it waits for the e-mail sweep. A failed send is recorded
    and its error raised again, for the task to retry. Returns whether it sent."""
    now = now or timezone.now()
    failure: Exception | None = None
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification")
            .filter(notification_id=notification_id, sent_at__isnull=True)
            .first()
        )
        if delivery is None or delivery.not_before > now or delivery.attempts >= EmailDelivery.MAX_ATTEMPTS:
            return False
        delivery.attempts += 1
        delivery.last_attempt_at = now
        try:
            subject, text = _email_message(delivery)
            send_mail(subject, text, None, [delivery.to_address], fail_silently=False)
        except Exception as exc:  # recorded for every failure; the task retries SMTP and network errors only
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.save(update_fields=["attempts", "last_attempt_at", "last_error"])
            failure = exc
        else:
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "last_attempt_at", "last_error", "sent_at"])
    if failure is not None:
        logger.warning("E-mail for notification %s failed: %s", notification_id, failure)
        raise failure
    return True


# ---------------------------------------------------------------- the reader's side


@transaction.atomic
def mark_notification_read(notification: Notification, *, by: Any) -> Notification:
    """Mark one of the user's notifications read (again is harmless)."""
    if not (by and by.is_authenticated) or notification.recipient_id != by.pk:
        raise NotAllowed(_("This is not your notification."))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def mark_all_notifications_read(*, by: Any) -> int:
    """Mark all the user's unread notifications read; returns how many."""
    if not (by and by.is_authenticated):
        raise NotAllowed(_("Sign in to read your notifications."))
    return Notification.objects.visible_to(by).unread().update(read_at=timezone.now())


@transaction.atomic
def update_notification_preferences(
    *,
    by: Any,
    email_enabled: bool,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    language: str = "",
) -> NotificationPreference:
    """Set how the user hears about reminders: e-mail on or off, quiet hours for e-mail (both
    ends or neither; they may span midnight), the language of future reminders."""
    if not (by and by.is_authenticated):
        raise NotAllowed(_("Sign in to change your notification settings."))
    if (quiet_start is None) != (quiet_end is None):
        field = "quiet_end" if quiet_end is None else "quiet_start"
        raise Invalid(_("Give both the start and the end of the quiet hours, or neither."), field=field)
    if quiet_start is not None and quiet_start == quiet_end:
        raise Invalid(_("The quiet hours must end at another time than they start."), field="quiet_end")
    if language and language not in dict(settings.LANGUAGES):
        raise Invalid(_("Choose one of the site's languages."), field="language")
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user_id=by.pk)
    pref.email_enabled = bool(email_enabled)
    pref.quiet_start = quiet_start.replace(second=0, microsecond=0, tzinfo=None) if quiet_start else None
    pref.quiet_end = quiet_end.replace(second=0, microsecond=0, tzinfo=None) if quiet_end else None
    if pref.quiet_start is not None and pref.quiet_start == pref.quiet_end:
        raise Invalid(_("The quiet hours must end at another time than they start."), field="quiet_end")
    pref.language = language
    pref.save()
    return pref


# ---------------------------------------------------------------- request reminders

# How far back the producer looks for a moment it has not seen (it runs every few minutes;
# this covers a day of downtime without rescanning every old request on each run).
REQUEST_REMINDER_LOOKBACK = timedelta(days=1)
# The resident is reminded this long before an unanswered resolved request closes itself
# (day 5 of the default 7).
UNANSWERED_REMINDER_BEFORE_CLOSE = timedelta(days=2)
REQUEST_TYPE = ResidentRequest._meta.label_lower


# Reminders about a day (an action item's due day, a round's last day) go out at this local time.
REMINDER_TIME = time(9, 0)


def days_with_moment_in(window_start: datetime, window_end: datetime, offset: int) -> dict[date, datetime]:
    """The days whose reminder moment (REMINDER_TIME, `offset` days from the day: -2 is two days
    before) lies in (window_start, window_end], each with that moment."""
    first = timezone.localdate(window_start) - timedelta(days=offset + 1)
    last = timezone.localdate(window_end) - timedelta(days=offset - 1)
    found = {}
    day = first
    while day <= last:
        moment = timezone.make_aware(datetime.combine(day + timedelta(days=offset), REMINDER_TIME))
        if window_start < moment <= window_end:
            found[day] = moment
        day += timedelta(days=1)
    return found


def local_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _category_name(category: RequestCategory, language: str) -> str:
    return category.name_zh if language.lower().startswith("zh") else category.name_en


def _request_url(request: ResidentRequest) -> str:
    return reverse("governance:request-detail", args=[request.pk])


def active_members(role: str, **scope: Any) -> Any:
    return Membership.objects.active().filter(role=role, user__is_active=True, **scope)


def _company_staff_by_estate(estate_ids: set[int]) -> dict[int, set[int]]:
    """Active staff of every property company serving each estate."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = active_members(
        Membership.Role.PROPERTY_STAFF,
        organisation__kind=Organisation.Kind.PROPERTY_COMPANY,
        organisation__estates__in=estate_ids,
    ).values_list("organisation__estates", "user_id")
    for estate_id, user_id in rows:
        found[estate_id].add(user_id)
    return found


def _company_staff_by_company(company_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = active_members(Membership.Role.PROPERTY_STAFF, organisation_id__in=company_ids).values_list(
        "organisation_id", "user_id"
    )
    for company_id, user_id in rows:
        found[company_id].add(user_id)
    return found


def community_staff_by_community(community_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = active_members(Membership.Role.COMMUNITY_STAFF, community_id__in=community_ids).values_list(
        "community_id", "user_id"
    )
    for community_id, user_id in rows:
        found[community_id].add(user_id)
    return found


def _requests_in(condition: Q, **filters: Any) -> list[ResidentRequest]:
    # The place by id rather than joined: six joins cost the planner more than the query.
    return list(
        ResidentRequest.objects.filter(condition, **filters)
        .select_related("estate", "category")
        .prefetch_related(
            Prefetch("household", queryset=Household.objects.select_related("unit__building")),
            Prefetch("unit", queryset=Unit.objects.select_related("building")),
            "building",
        )
        .order_by("id")
    )


def _not_taken(now: datetime, multiple: int) -> list[tuple[ResidentRequest, datetime]]:
    """Submitted requests whose `multiple` × take-within time ended in the lookback window."""
    by_hours: dict[int, list[int]] = defaultdict(list)
    for category_id, hours in RequestCategory.objects.values_list("id", "take_within"):
        by_hours[hours].append(category_id)
    if not by_hours:
        return []
    window = reduce(
        or_,
        (
            Q(
                category_id__in=ids,
                created_at__lte=now - timedelta(hours=hours * multiple),
                created_at__gt=now - timedelta(hours=hours * multiple) - REQUEST_REMINDER_LOOKBACK,
            )
            for hours, ids in by_hours.items()
        ),
    )
    return [
        (request, request.created_at + timedelta(hours=request.category.take_within * multiple))
        for request in _requests_in(window, status=ResidentRequest.Status.SUBMITTED)
    ]


def _about(request: ResidentRequest, language: str) -> str:
    return f"{_category_name(request.category, language)} · {request.place_label} · {request.estate.name}"


def _render_not_taken(request: ResidentRequest, due: datetime, language: str) -> tuple[str, str]:
    title = _("Request #%(id)s has not been taken yet") % {"id": request.pk}
    body = _("%(about)s. Filed %(filed)s; it should be taken within %(hours)s hours.") % {
        "about": _about(request, language),
        "filed": local_text(request.created_at),
        "hours": request.category.take_within,
    }
    return title, body


def _render_not_taken_staff(request: ResidentRequest, due: datetime, language: str) -> tuple[str, str]:
    title = _("Request #%(id)s is still not taken") % {"id": request.pk}
    body = _(
        "%(about)s. Filed %(filed)s and not taken within twice its time (%(hours)s hours): please follow it up."
    ) % {
        "about": _about(request, language),
        "filed": local_text(request.created_at),
        "hours": request.category.take_within * 2,
    }
    return title, body


def _render_overdue(request: ResidentRequest, due: datetime, language: str) -> tuple[str, str]:
    title = _("Request #%(id)s is past its due time") % {"id": request.pk}
    body = _("%(about)s. It was due %(due)s and is not resolved yet.") % {
        "about": _about(request, language),
        "due": local_text(due),
    }
    return title, body


def _render_unanswered(request: ResidentRequest, due: datetime, language: str) -> tuple[str, str]:
    assert request.resolved_at is not None
    closes = due + UNANSWERED_REMINDER_BEFORE_CLOSE
    title = _("Please confirm your request #%(id)s") % {"id": request.pk}
    body = _(
        "%(about)s was reported resolved %(resolved)s. Confirm and rate it, or reopen it if it is not done; "
        "without an answer it closes %(closes)s."
    ) % {
        "about": _about(request, language),
        "resolved": local_text(request.resolved_at),
        "closes": local_text(closes),
    }
    return title, body


def _overdue(now: datetime) -> list[tuple[ResidentRequest, datetime]]:
    window = Q(due_at__lte=now, due_at__gt=now - REQUEST_REMINDER_LOOKBACK)
    return [
        (request, request.due_at)
        for request in _requests_in(window, status__in=ResidentRequest.DUE_STATUSES)
        if request.due_at is not None
    ]


def _unanswered(now: datetime) -> list[tuple[ResidentRequest, datetime]]:
    """Resolved requests whose reminder moment (two days before they close) is in the window."""
    by_days: dict[int, list[int]] = defaultdict(list)
    for estate_id, days in EstatePolicy.objects.exclude(
        auto_close_days=EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS
    ).values_list("estate_id", "auto_close_days"):
        by_days[days].append(estate_id)
    custom = [estate_id for ids in by_days.values() for estate_id in ids]

    def window(days: int) -> Q:
        after = timedelta(days=days) - UNANSWERED_REMINDER_BEFORE_CLOSE
        return Q(resolved_at__lte=now - after, resolved_at__gt=now - after - REQUEST_REMINDER_LOOKBACK)

    # An estate that closes within two days of resolving gets no reminder (nothing to wait for).
    remind = UNANSWERED_REMINDER_BEFORE_CLOSE + timedelta(days=1)
    conditions = []
    if timedelta(days=EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS) >= remind:
        conditions.append(window(EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS) & ~Q(estate_id__in=custom))
    for days, ids in by_days.items():
        if timedelta(days=days) >= remind:
            conditions.append(window(days) & Q(estate_id__in=ids))
    if not conditions:
        return []
    found = _requests_in(reduce(or_, conditions), status=ResidentRequest.Status.RESOLVED)
    close_days = {estate_id: days for days, ids in by_days.items() for estate_id in ids}
    result = []
    for request in found:
        days = close_days.get(request.estate_id, EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS)
        assert request.resolved_at is not None
        result.append((request, request.resolved_at + timedelta(days=days) - UNANSWERED_REMINDER_BEFORE_CLOSE))
    return result


def schedule_request_reminders(now: datetime | None = None) -> int:
    """The requests' reminder producer (a periodic task every few minutes). For each moment
    that has come in the last day:

    - a request not taken within its category's time → staff of the property companies
      serving the estate; after twice that time → the community's staff;
    - a taken request past its due time → staff of the company that took it (the
      community's staff for a request routed to them);
    - a resolved request the resident has not answered → the resident, two days before it
      closes by itself (day 5 of 7; `close_unanswered_requests` closes it).

    Each reminder is due at that exact moment, so its key — and a rerun — is stable.
    Returns how many reminders were new."""
    now = now or timezone.now()
    drafts: list[ReminderDraft] = []

    first = _not_taken(now, 1)
    companies = _company_staff_by_estate({request.estate_id for request, _due in first})
    drafts += reminder_drafts(
        ((request, due, companies.get(request.estate_id, ())) for request, due in first),
        Kind.REQUEST_NOT_TAKEN,
        _render_not_taken,
        _request_url,
    )

    second = _not_taken(now, 2)
    staff = community_staff_by_community({request.estate.community_id for request, _due in second})
    drafts += reminder_drafts(
        ((request, due, staff.get(request.estate.community_id, ())) for request, due in second),
        Kind.REQUEST_NOT_TAKEN_STAFF,
        _render_not_taken_staff,
        _request_url,
    )

    late = _overdue(now)
    takers = _company_staff_by_company(
        {request.accepted_by_organisation_id for request, _due in late if request.accepted_by_organisation_id}
    )
    routed_staff = community_staff_by_community(
        {request.estate.community_id for request, _due in late if not request.accepted_by_organisation_id}
    )
    drafts += reminder_drafts(
        (
            (
                request,
                due,
                takers.get(request.accepted_by_organisation_id, ())
                if request.accepted_by_organisation_id
                else routed_staff.get(request.estate.community_id, ()),
            )
            for request, due in late
        ),
        Kind.REQUEST_OVERDUE,
        _render_overdue,
        _request_url,
    )

    waiting = _unanswered(now)
    drafts += reminder_drafts(
        ((request, due, [request.on_behalf_of_id]) for request, due in waiting),
        Kind.REQUEST_UNANSWERED,
        _render_unanswered,
        _request_url,
    )
    return schedule_reminders(drafts)
