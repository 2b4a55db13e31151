"""Reminders and notifications: scheduled once, delivered once, e-mailed at most once."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from smtplib import SMTPException
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from estates.errors import Invalid, NotAllowed
from estates.models import User
from governance import services, tasks
from governance.models import EmailDelivery, Notification, NotificationPreference, Reminder
from tests.conftest import make_user
from tests.governance.conftest import SHANGHAI, T0

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind


def remind(user: User, *, due_at: datetime = T0, target: Any = ("governance.meeting", 7), **extra: Any) -> Any:
    fields: dict[str, Any] = {
        "kind": Kind.MEETING_SOON,
        "target": target,
        "recipient": user,
        "due_at": due_at,
        "title": "联席会议 3 天后召开",
        "body": "3月6日 09:00 · 社区会议室",
        "url": "/meetings/7/",
    }
    fields.update(extra)
    return services.schedule_reminder(**fields)


def deliver(now: datetime = T0, **kwargs: Any) -> int:
    return services.deliver_due_reminders(now, **kwargs)


@pytest.fixture
def alice(db: Any) -> User:
    return make_user("alice", full_name="艾丽丝", email="alice@example.org")


@pytest.fixture
def bob(db: Any) -> User:
    return make_user("bob", full_name="鲍勃")  # no e-mail address


# ---------------------------------------------------------------- scheduling


def test_scheduling_the_same_reminder_twice_keeps_one_row(alice: User) -> None:
    first = remind(alice)
    second = remind(alice)

    assert first is not None and first.status == Reminder.Status.PENDING
    assert second is None
    assert Reminder.objects.count() == 1
    assert first.key == f"meeting_soon:governance.meeting:7:{alice.pk}:2025-03-03T01:00:00+00:00"


def test_reminders_differ_by_kind_target_recipient_and_due_moment(alice: User, bob: User) -> None:
    remind(alice)
    remind(alice, kind=Kind.MINUTES_DUE)
    remind(alice, target=("governance.meeting", 8))
    remind(bob)
    remind(alice, due_at=T0 + timedelta(days=2))

    assert Reminder.objects.count() == 5


def test_bulk_scheduling_inserts_only_new_keys(alice: User, bob: User) -> None:
    def draft(user: User) -> services.ReminderDraft:
        return services.ReminderDraft(
            kind=Kind.REQUEST_OVERDUE,
            target_type="governance.residentrequest",
            target_id=3,
            recipient_id=user.pk,
            due_at=T0,
            title="过期",
        )

    assert services.schedule_reminders([draft(alice), draft(alice)]) == 1
    assert services.schedule_reminders([draft(alice), draft(bob)]) == 1
    assert Reminder.objects.count() == 2


def test_a_moved_meeting_cancels_its_pending_reminders_and_sent_ones_stay(alice: User, bob: User) -> None:
    sent = remind(alice, due_at=T0 - timedelta(days=1), kind=Kind.MEETING_SOON)
    deliver()
    stale = remind(alice, due_at=T0 + timedelta(days=2))
    other_kind = remind(bob, due_at=T0 + timedelta(days=2), kind=Kind.MINUTES_DUE)
    other_meeting = remind(alice, due_at=T0 + timedelta(days=2), target=("governance.meeting", 8))

    cancelled = services.cancel_reminders(target=("governance.meeting", 7), kinds=[Kind.MEETING_SOON])

    assert cancelled == 1
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses[sent.pk] == "sent"
    assert statuses[stale.pk] == "cancelled"
    assert statuses[other_kind.pk] == "pending"
    assert statuses[other_meeting.pk] == "pending"
    assert deliver(T0 + timedelta(days=3)) == 2
    assert not Notification.objects.filter(reminder=stale).exists()


def test_a_meeting_moved_back_to_its_first_time_is_reminded_again(alice: User) -> None:
    first = remind(alice, due_at=T0 + timedelta(days=2))
    services.cancel_reminders(target=("governance.meeting", 7), due_before=T0 + timedelta(days=5))

    again = remind(alice, due_at=T0 + timedelta(days=2), title="联席会议改回原时间")

    assert again is not None and again.pk == first.pk
    assert again.status == Reminder.Status.PENDING
    assert again.title == "联席会议改回原时间"


def test_text_is_rendered_in_the_recipients_language(alice: User, bob: User) -> None:
    NotificationPreference.objects.create(user=alice, language="en")
    title = format_lazy("{}: {}", gettext_lazy("Meeting"), lazy(lambda: "3", str)())

    remind(alice, title=title)
    remind(bob, title=title)

    assert Reminder.objects.get(recipient=alice).title == "Meeting: 3"
    assert Reminder.objects.get(recipient=alice).language == "en"
    assert Reminder.objects.get(recipient=bob).language == "zh-hans"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "birthday"}, "kind"),
        ({"due_at": datetime(2025, 3, 3, 9, 0)}, "due_at"),  # naive on purpose
        ({"title": "  "}, "title"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "//elsewhere.example/"}, "url"),
    ],
)
def test_a_malformed_reminder_is_refused(alice: User, change: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        remind(alice, **change)
    assert refused.value.field == field
    assert not Reminder.objects.exists()


# ---------------------------------------------------------------- delivery


def test_sweep_delivers_due_reminders_once_and_leaves_later_ones(alice: User, bob: User) -> None:
    due = remind(alice)
    later = remind(bob, due_at=T0 + timedelta(minutes=1))

    assert deliver() == 1
    assert deliver() == 0  # the same sweep again (a second beat): nothing more

    notification = Notification.objects.get()
    assert notification.reminder_id == due.pk
    assert (notification.recipient, notification.kind, notification.url) == (alice, "meeting_soon", "/meetings/7/")
    assert notification.title == "联席会议 3 天后召开"
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == "sent" and due.sent_at is not None
    assert later.status == "pending"


def test_sweep_works_through_every_batch(alice: User) -> None:
    for day in range(7):
        remind(alice, due_at=T0 - timedelta(days=day))

    assert deliver(batch=3) == 7
    assert Notification.objects.count() == 7
    assert not Reminder.objects.filter(status="pending").exists()


def test_a_reminder_set_back_to_pending_by_hand_is_not_notified_twice(alice: User) -> None:
    reminder = remind(alice)
    deliver()
    Reminder.objects.filter(pk=reminder.pk).update(status="pending")

    deliver()

    assert Notification.objects.filter(reminder=reminder).count() == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_an_inactive_persons_reminder_fails_without_a_notification(alice: User) -> None:
    reminder = remind(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)

    deliver()

    reminder.refresh_from_db()
    assert reminder.status == "failed"
    assert reminder.last_error
    assert not Notification.objects.exists()


def test_sweep_queries_stay_constant_per_batch(
    alice: User, bob: User, django_assert_max_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for day in range(30):
        remind(alice, due_at=T0 - timedelta(days=day))
        remind(bob, due_at=T0 - timedelta(days=day))

    # savepoint, claim, existing notifications, preferences, insert notifications, mark sent,
    # insert e-mail rows, release; and the empty claim that ends the sweep.
    with django_assert_max_num_queries(11), django_capture_on_commit_callbacks(execute=False):
        assert deliver(batch=500) == 60


# ---------------------------------------------------------------- e-mail


def test_email_is_sent_once_after_the_notification(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    remind(alice)

    with django_capture_on_commit_callbacks(execute=True):
        deliver()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "联席会议 3 天后召开"
    assert "3月6日 09:00 · 社区会议室" in message.body
    assert "http://127.0.0.1:8000/meetings/7/" in message.body
    notification = Notification.objects.get()
    assert notification.email.sent_at is not None
    assert notification.email.attempts == 1

    # The same task again (delivered twice by the broker), and the e-mail sweep: no second mail.
    assert tasks.send_notification_email.delay(notification.pk).get() is False
    assert services.send_due_emails(T0 + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


def test_no_email_when_switched_off_or_without_an_address(
    alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    NotificationPreference.objects.create(user=alice, email_enabled=False)
    remind(alice)
    remind(bob)

    with django_capture_on_commit_callbacks(execute=True):
        deliver()

    assert Notification.objects.count() == 2
    assert not EmailDelivery.objects.exists()
    assert mail.outbox == []


def test_a_failed_send_is_retried_and_delivered_once(
    alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CELERY_TASK_EAGER_PROPAGATES = False  # eager tasks then retry as a worker would (without the wait)
    remind(alice)
    real_send = services.notifications.send_mail
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls.append(args)
        if len(calls) == 1:
            raise SMTPException("421 try again later")
        return real_send(*args, **kwargs)

    with (
        mock.patch.object(services.notifications, "send_mail", side_effect=flaky),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deliver()

    assert len(calls) == 2
    assert len(mail.outbox) == 1
    delivery = EmailDelivery.objects.get()
    assert delivery.sent_at is not None
    assert delivery.attempts == 2
    assert delivery.last_error == ""


def test_a_send_that_keeps_failing_gives_up_and_is_not_queued_again(
    alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    remind(alice)
    with (
        mock.patch.object(services.notifications, "send_mail", side_effect=ConnectionRefusedError("no server")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deliver()

    delivery = EmailDelivery.objects.get()
    assert delivery.attempts == EmailDelivery.MAX_ATTEMPTS
    assert delivery.has_failed
    assert "ConnectionRefusedError" in delivery.last_error
    assert services.send_due_emails(T0 + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 1  # the in-app notification is there all the same


def test_quiet_hours_hold_the_email_but_not_the_notification(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    NotificationPreference.objects.create(user=alice, quiet_start=time(22, 0), quiet_end=time(7, 0))
    late_evening = datetime(2025, 3, 3, 23, 30, tzinfo=SHANGHAI)
    remind(alice, due_at=late_evening)

    with time_machine.travel(late_evening, tick=False), django_capture_on_commit_callbacks(execute=True):
        deliver(late_evening)

    assert Notification.objects.filter(recipient=alice).count() == 1
    assert mail.outbox == []
    delivery = EmailDelivery.objects.get()
    assert delivery.not_before == datetime(2025, 3, 4, 7, 0, tzinfo=SHANGHAI)

    morning = datetime(2025, 3, 4, 6, 59, tzinfo=SHANGHAI)
    with time_machine.travel(morning, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_emails() == 0
        assert tasks.send_notification_email.delay(delivery.notification_id).get() is False
    assert mail.outbox == []

    with (
        time_machine.travel(morning + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.send_due_emails() == 1
    assert len(mail.outbox) == 1


def test_email_queued_but_never_sent_is_queued_again_after_ten_minutes(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    remind(alice)
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=False):
        deliver()  # its e-mail task is lost with its worker
    assert services.send_due_emails(T0 + timedelta(minutes=9)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_emails(T0 + timedelta(minutes=11)) == 1

    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("start", "end", "at", "until"),
    [
        (time(22, 0), time(7, 0), datetime(2025, 3, 3, 23, 0), datetime(2025, 3, 4, 7, 0)),
        (time(22, 0), time(7, 0), datetime(2025, 3, 4, 6, 0), datetime(2025, 3, 4, 7, 0)),
        (time(22, 0), time(7, 0), datetime(2025, 3, 3, 22, 0), datetime(2025, 3, 4, 7, 0)),
        (time(22, 0), time(7, 0), datetime(2025, 3, 4, 7, 0), None),
        (time(22, 0), time(7, 0), datetime(2025, 3, 3, 12, 0), None),
        (time(12, 0), time(14, 0), datetime(2025, 3, 3, 13, 0), datetime(2025, 3, 3, 14, 0)),
        (time(12, 0), time(14, 0), datetime(2025, 3, 3, 14, 30), None),
        (None, None, datetime(2025, 3, 3, 23, 0), None),
    ],
)
def test_quiet_hours_end_at_the_next_local_end_time(
    start: time | None, end: time | None, at: datetime, until: datetime | None
) -> None:
    pref = NotificationPreference(quiet_start=start, quiet_end=end)
    expected = until.replace(tzinfo=SHANGHAI) if until else None
    assert pref.quiet_until(at.replace(tzinfo=SHANGHAI)) == expected


# ---------------------------------------------------------------- the reader's side


def test_marking_read_one_and_all(alice: User, bob: User) -> None:
    for day in range(3):
        remind(alice, due_at=T0 - timedelta(days=day))
    remind(bob)
    deliver()
    first = Notification.objects.filter(recipient=alice).first()

    services.mark_notification_read(first, by=alice)
    services.mark_notification_read(first, by=alice)  # again: harmless

    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 2
    assert services.mark_all_notifications_read(by=alice) == 2
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1
    with pytest.raises(NotAllowed):
        services.mark_notification_read(first, by=bob)


def test_preferences_need_both_ends_of_the_quiet_hours(alice: User) -> None:
    with pytest.raises(Invalid) as refused:
        services.update_notification_preferences(by=alice, email_enabled=True, quiet_start=time(22, 0))
    assert refused.value.field == "quiet_end"
    with pytest.raises(Invalid):
        services.update_notification_preferences(
            by=alice, email_enabled=True, quiet_start=time(22, 0), quiet_end=time(22, 0)
        )
    with pytest.raises(Invalid):
        services.update_notification_preferences(by=alice, email_enabled=True, language="fr")

    pref = services.update_notification_preferences(
        by=alice, email_enabled=False, quiet_start=time(22, 0, 30), quiet_end=time(7, 0), language="en"
    )

    assert (pref.email_enabled, pref.quiet_start, pref.quiet_end, pref.language) == (
        False,
        time(22, 0),
        time(7, 0),
        "en",
    )
    assert NotificationPreference.objects.count() == 1


def test_defaults_apply_without_a_preference_row(alice: User) -> None:
    pref = services.notification_preferences_of(alice)
    assert pref.pk is None
    assert pref.email_enabled is True
    assert not pref.has_quiet_hours
