"""The periodic tasks of reminders and requests, in django-celery-beat's tables (editable in
the admin under "Periodic tasks"). Beat runs the interval tasks once when it starts (their
start time lies in the past), then on their schedule."""

from django.db import migrations
from django.utils import timezone

# name, task, every (seconds) or None, crontab (minute, hour) or None, description
SCHEDULES = [
    (
        "Deliver due reminders",
        "governance.tasks.deliver_reminders",
        60,
        None,
        "Turn due reminders into notifications and queue their e-mail (exactly once).",
    ),
    (
        "Send due e-mails",
        "governance.tasks.send_due_emails",
        60,
        None,
        "Send e-mail held by quiet hours once they end, and e-mail whose task was lost.",
    ),
    (
        "Schedule request reminders",
        "governance.tasks.schedule_request_reminders",
        300,
        None,
        "Requests not taken in time, past their due time, or resolved and not answered.",
    ),
    (
        "Escalate overdue requests",
        "governance.tasks.escalate_overdue",
        300,
        None,
        "Flag requests not taken in time, or past their due time, for the community's staff.",
    ),
    (
        "Close unanswered requests",
        "governance.tasks.close_unanswered",
        None,
        ("5", "*"),
        "Close resolved requests the resident has not answered within the estate's time (7 days).",
    ),
]


def schedules_operation(schedules: list) -> migrations.RunPython:
    """A RunPython that creates (or updates) the periodic tasks listed, and removes them when
    migrating back; the later schedule migrations use it too."""

    def create_schedules(apps, schema_editor):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        now = timezone.now()
        for name, task, every, cron, description in schedules:
            values = {"task": task, "description": description, "enabled": True, "start_time": now}
            if every is not None:
                values["interval"], _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
                values["crontab"] = None
            else:
                minute, hour = cron
                values["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone="Asia/Shanghai",
                )
                values["interval"] = None
                values["start_time"] = None
            PeriodicTask.objects.update_or_create(name=name, defaults=values)

    def remove_schedules(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTask.objects.filter(name__in=[name for name, *_rest in schedules]).delete()

    return migrations.RunPython(create_schedules, remove_schedules)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0006_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [schedules_operation(SCHEDULES)]
