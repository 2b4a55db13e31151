"""The periodic tasks of the meetings' and rating rounds' reminders, and the rating rounds'
daily sweeps (open the month's rounds, close those whose last day of scoring is over)."""

from importlib import import_module

from django.db import migrations

schedules_operation = import_module("governance.migrations.0007_reminder_schedules").schedules_operation

# name, task, every (seconds) or None, crontab (minute, hour) or None, description
SCHEDULES = [
    (
        "Schedule meeting reminders",
        "governance.tasks.schedule_meeting_reminders",
        300,
        None,
        "Meetings coming up (3 days and 1 day before), minutes not published (3 and 7 days after), "
        "action items due in 2 days or overdue.",
    ),
    (
        "Schedule rating reminders",
        "governance.tasks.schedule_rating_reminders",
        300,
        None,
        "Committee members who have not scored an open rating round, three days before it closes.",
    ),
    (
        "Close rating rounds",
        "governance.tasks.close_rating_rounds",
        None,
        ("5", "0"),
        "Close the rating rounds whose last day of scoring is over and compute their grades.",
    ),
    (
        "Open rating rounds",
        "governance.tasks.open_rating_rounds",
        None,
        ("10", "0"),
        "Open the period's rating round for every estate with a committee and a property company (on the 1st; "
        "any later day opens only what is missing).",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("governance", "0008_meeting_reminders")]

    operations = [schedules_operation(SCHEDULES)]
