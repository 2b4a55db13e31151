"""Real Celery workers deliver reminders exactly once: on Redis (database 15 on 127.0.0.1:6379)
in a thread (celery.contrib.pytest), as separate processes killed with SIGKILL mid-batch, and
on the embedded filesystem broker that `make run` uses.

The worker has its own database connections, so these tests commit for real
(`transaction=True`). Each run uses its own queue names, so that test sessions running at the
same time never take each other's tasks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from smtplib import SMTPException
from typing import Any
from unittest import mock

import pytest
import redis
from celery import Celery
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from estates.models import User
from governance import services, tasks
from governance.models import EmailDelivery, Notification, Reminder
from tests.conftest import make_user

pytest_plugins = ("celery.contrib.pytest",)
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
REDIS = "redis://127.0.0.1:6379/15"
RUN = uuid.uuid4().hex[:10]
THREAD_QUEUE = f"huanxin-test-thread-{RUN}"
DEADLINE = 30  # seconds any one wait may take before the test fails


@pytest.fixture(scope="session")
def celery_config() -> dict[str, Any]:
    """The in-thread worker's app: Redis database 15, JSON only, acks late, a queue of its own.
    The in-memory result backend serves the fixture's start-up ping only (tasks ignore results)."""
    return {
        "broker_url": REDIS,
        "result_backend": "cache+memory://",
        "task_default_queue": THREAD_QUEUE,
        "task_always_eager": False,
        "accept_content": ["json"],
        "task_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
    }


def wait_for(condition: Callable[[], Any], *, what: str, timeout: float = DEADLINE) -> Any:
    """Poll `condition` until it is true (returning its value), or fail after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}")


def due_reminders(users: list[User], count: int, *, kind: str = Reminder.Kind.ACTION_ITEM_OVERDUE) -> int:
    now = timezone.now()
    return services.schedule_reminders(
        services.ReminderDraft(
            kind=kind,
            target_type="governance.actionitem",
            target_id=n,
            recipient_id=users[n % len(users)].pk,
            due_at=now - timedelta(seconds=count - n),
            title=f"事项 {n} 已逾期",
            url=f"/meetings/{n}/",
        )
        for n in range(count)
    )


def one_notification_each() -> bool:
    doubles = Notification.objects.values("reminder").annotate(n=Count("id")).filter(n__gt=1)
    return not doubles.exists()


# ---------------------------------------------------------------- a worker in a thread, on Redis


def test_a_worker_on_redis_delivers_a_reminder_dispatched_twice_once(celery_app: Celery, celery_worker: Any) -> None:
    alice = make_user("alice", email="alice@example.org")
    due_reminders([alice], 1)

    # Beat fired twice: two sweeps in the queue. The ping after them returns once both ran
    # (one solo worker, prefetch 1: in order).
    tasks.deliver_reminders.delay()
    tasks.deliver_reminders.delay()
    celery_app.send_task("celery.ping").get(timeout=DEADLINE)

    assert Notification.objects.count() == 1
    assert Notification.objects.get().recipient == alice
    assert Reminder.objects.get().status == "sent"
    wait_for(lambda: EmailDelivery.objects.filter(sent_at__isnull=False).exists(), what="the e-mail")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]


def test_a_worker_on_redis_retries_a_failed_send_and_sends_once(celery_app: Celery, celery_worker: Any) -> None:
    bob = make_user("bob", email="bob@example.org")
    due_reminders([bob], 1)
    real_send = services.notifications.send_mail
    calls: list[Any] = []

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls.append(args)
        if len(calls) == 1:
            raise SMTPException("451 temporary local problem")
        return real_send(*args, **kwargs)

    with mock.patch.object(services.notifications, "send_mail", side_effect=flaky):
        tasks.deliver_reminders.delay()
        delivery = wait_for(
            lambda: EmailDelivery.objects.filter(sent_at__isnull=False).first(), what="the retried e-mail"
        )

    assert len(calls) == 2
    assert delivery.attempts == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


# ---------------------------------------------------------------- worker processes, killed


def database_url() -> str:
    """The test database (the one pytest-django made), as a URL for a worker process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Worker processes started for one test; every one is stopped at the end, whatever happens."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, queue: str, **env: str) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"worker-{len(self.started)}.log"
        clean = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            **env,
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}-{len(self.started)}@%h",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=clean,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started.append((process, log))
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _p, log in self.started)

    def stop_all(self) -> None:
        for process, _log in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A queue of this test's own on Redis database 15, removed afterwards together with the
    message the killed worker left unacknowledged (Redis would hand it out again in an hour)."""
    queue = f"huanxin-test-fault-{uuid.uuid4().hex[:10]}"
    yield queue
    client = redis.Redis.from_url(REDIS)
    for tag, payload in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, f"_kombu.binding.{queue}")
    client.close()


def idle_mid_batch() -> bool:
    """A worker's transaction has written a batch and lingers before its commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'idle in transaction' "
            "AND query LIKE 'UPDATE \"governance_reminder\"%%'",
            [connection.settings_dict["NAME"]],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_batch_loses_no_reminder_and_doubles_none(workers: Workers, redis_queue: str) -> None:
    people = [make_user(f"member{n}") for n in range(3)]  # no e-mail: only the sweep is at work
    assert due_reminders(people, 300) == 300
    producer = Celery("fault-test", broker=REDIS)
    sweep = {"kwargs": {"batch": 50}, "queue": redis_queue}
    env = {"REDIS_URL": REDIS, "REMINDER_SWEEP_TEST_DELAY_MS": "10"}  # ~0.5 s a batch of 50

    try:
        first = workers.start(redis_queue, **env)
        producer.send_task("governance.tasks.deliver_reminders", **sweep)
        wait_for(lambda: Notification.objects.exists(), what="the first batch")
        wait_for(idle_mid_batch, what="a batch written but not committed")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        # The killed batch rolled back: only whole committed batches are there, the rest pending.
        wait_for(lambda: not idle_mid_batch(), what="the killed transaction to end")
        delivered = Notification.objects.count()
        assert 50 <= delivered < 300
        assert delivered % 50 == 0
        assert Reminder.objects.filter(status="sent").count() == delivered
        assert Reminder.objects.filter(status="pending").count() == 300 - delivered

        # A new worker, the next beat: the sweep takes the rest.
        workers.start(redis_queue, **env)
        producer.send_task("governance.tasks.deliver_reminders", **sweep)
        wait_for(lambda: Notification.objects.count() == 300, what="every reminder delivered")
    except BaseException:
        print(workers.logs())
        raise
    finally:
        producer.close()

    assert one_notification_each()
    assert Notification.objects.values("reminder").distinct().count() == 300
    assert not Reminder.objects.exclude(status="sent").exists()


# ---------------------------------------------------------------- the embedded broker of `make run`


def test_the_embedded_filesystem_broker_runs_a_worker_without_redis(workers: Workers, tmp_path: Path) -> None:
    carol = make_user("carol")
    due_reminders([carol], 3)
    broker_dir = tmp_path / "celery-broker"
    (broker_dir / "queue").mkdir(parents=True)
    queue = f"huanxin-test-files-{uuid.uuid4().hex[:10]}"
    producer = Celery("files-test", broker="filesystem://")
    producer.conf.broker_transport_options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "control_folder": str(broker_dir / "control"),
    }
    try:
        workers.start(queue, CELERY_BROKER_DIR=str(broker_dir))  # no REDIS_URL: the embedded default
        producer.send_task("governance.tasks.deliver_reminders", queue=queue)
        wait_for(lambda: Notification.objects.count() == 3, what="delivery through the filesystem broker")
    except BaseException:
        print(workers.logs())
        raise
    finally:
        producer.close()
    assert one_notification_each()
