"""Two sweeps, two producers, two e-mail tasks at the same moment, on PostgreSQL: each reminder
still gives one notification and at most one e-mail.

Each thread has its own database connection (Django's are per thread) and closes it at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count

from estates.models import User
from governance import services
from governance.models import EmailDelivery, Notification, Reminder
from tests.conftest import make_user
from tests.governance.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True)


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def drafts(users: list[User], count: int) -> list[services.ReminderDraft]:
    return [
        services.ReminderDraft(
            kind=Reminder.Kind.ACTION_ITEM_DUE,
            target_type="governance.actionitem",
            target_id=n,
            recipient_id=users[n % len(users)].pk,
            due_at=T0 - timedelta(minutes=n),
            title=f"事项 {n} 两天后到期",
        )
        for n in range(count)
    ]


@pytest.fixture
def people(db: Any) -> list[User]:
    return [make_user(f"p{n}", email=f"p{n}@example.org" if n % 2 else "") for n in range(5)]


def test_two_sweeps_at_once_share_the_work_and_deliver_each_reminder_once(people: list[User], settings: Any) -> None:
    services.schedule_reminders(drafts(people, 200))
    settings.REMINDER_SWEEP_TEST_DELAY_MS = 5  # each batch holds its locks a little while

    claimed = together(
        lambda: services.deliver_due_reminders(T0, batch=25),
        lambda: services.deliver_due_reminders(T0, batch=25),
    )

    assert sum(claimed) == 200  # no reminder claimed by both
    assert all(claimed), claimed  # SKIP LOCKED let both work at once
    assert Notification.objects.count() == 200
    per_reminder = Notification.objects.values("reminder").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_reminder.exists()
    assert not Reminder.objects.exclude(status="sent").exists()


def test_two_producers_at_once_schedule_each_reminder_once(people: list[User]) -> None:
    batch = drafts(people, 100)

    together(lambda: services.schedule_reminders(batch), lambda: services.schedule_reminders(batch))

    assert Reminder.objects.count() == 100


def test_the_same_email_task_twice_at_once_sends_one_email(people: list[User]) -> None:
    services.schedule_reminders(drafts(people[1:2], 1))
    services.deliver_due_reminders(T0)  # eager tasks on commit: sends the e-mail already
    delivery = EmailDelivery.objects.get()
    EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=None, attempts=0)
    mail.outbox.clear()
    real_send = services.notifications.send_mail

    def slow_send(*args: Any, **kwargs: Any) -> int:
        time.sleep(0.3)  # the other task arrives while this one holds the row
        return real_send(*args, **kwargs)

    with mock.patch.object(services.notifications, "send_mail", side_effect=slow_send):
        sent = together(
            lambda: services.send_notification_email(delivery.notification_id),
            lambda: services.send_notification_email(delivery.notification_id),
        )

    assert sorted(sent) == [False, True]
    assert len(mail.outbox) == 1
