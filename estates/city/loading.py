"""Rows into PostgreSQL: COPY in chunks from a second thread, ids assigned here, times as
whole seconds, and the foreign keys and plain indexes set aside while the rows go in."""

from __future__ import annotations

import io
import json
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.apps import apps

CHUNK_ROWS = 50_000
DAY = 86_400
HOUR = 3_600
NULL = "\\N"
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Every second of a day as COPY writes it: much cheaper than formatting each time.
CLOCK_TIMES = tuple(f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60))


class Copier:
    """Sends COPY chunks on the one database connection, from a second thread, one at a time."""

    def __init__(self, raw_cursor: Any) -> None:
        self._cursor = raw_cursor
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate-city-copy")
        self._pending: Future[Any] | None = None

    def send(self, table: str, columns: tuple[str, ...], data: bytes) -> None:
        self.wait()
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self._pending = self._pool.submit(self._cursor.copy_expert, sql, io.BytesIO(data), 1 << 20)

    def wait(self) -> None:
        """Block until the chunk in flight is in: nothing else may use the connection meanwhile."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        self.wait()
        self._pool.shutdown()


def _text(value: Any) -> str:
    """One value in COPY's text format. Generated strings hold no tab, newline or backslash."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Table:
    """Rows for one table, sent in chunks; ids are assigned here, counting up from the table's
    highest id."""

    def __init__(self, copier: Copier, name: str, columns: tuple[str, ...], last_id: int) -> None:
        self.name = name
        self.columns = ("id", *columns)
        self.last_id = last_id
        self.count = 0
        self._copier = copier
        self._lines: list[str] = []

    def add(self, *values: Any) -> int:
        """Add a row (values in the order of the columns, without the id); returns its id."""
        self.last_id += 1
        self._lines.append(f"{self.last_id}\t" + "\t".join(map(_text, values)) + "\n")
        if len(self._lines) >= CHUNK_ROWS:
            self.flush()
        return self.last_id

    def add_line(self, line: str) -> None:
        """Add a row already formatted, id first (the hot paths format their own)."""
        self._lines.append(line)
        if len(self._lines) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            data = "".join(self._lines).encode()
            self.count += len(self._lines)
            self._lines = []
            self._copier.send(self.name, self.columns, data)


class Clock:
    """Times as whole seconds since the epoch (UTC), written for COPY; days in the local zone, at
    its offset as of "now" (China keeps no summer time)."""

    def __init__(self, now: datetime) -> None:
        self.now = int(now.timestamp())
        offset = now.utcoffset()
        self.offset = int(offset.total_seconds()) if offset else 0
        self._days: dict[int, str] = {}

    def ts(self, moment: int) -> str:
        day, second = divmod(moment, DAY)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = date.fromordinal(EPOCH_ORDINAL + day).isoformat() + " "
        return text + CLOCK_TIMES[second]

    def opt(self, moment: int | None) -> str:
        return NULL if moment is None else self.ts(moment)

    def local_date(self, moment: int) -> date:
        return date.fromordinal(EPOCH_ORDINAL + (moment + self.offset) // DAY)

    def local_midnight(self, day: date) -> int:
        return (day.toordinal() - EPOCH_ORDINAL) * DAY - self.offset

    def at_local(self, day: date, hour: int, minute: int = 0) -> int:
        return self.local_midnight(day) + hour * HOUR + minute * 60


# The tables filled, by model, with their columns (the id comes first, implicitly).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "district": ("estates.District", ("name", "city")),
    "street": ("estates.Street", ("name", "district_id")),
    "community": ("estates.Community", ("name", "address", "phone", "street_id")),
    "estate": (
        "estates.Estate",
        (
            "name",
            "address",
            "management_mode",
            "built_year",
            "description",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
            "community_id",
        ),
    ),
    "building": ("estates.Building", ("name", "floors", "has_lift", "built_year", "estate_id")),
    "unit": ("estates.Unit", ("name", "building_id")),
    "household": ("estates.Household", ("room", "floor", "floor_area", "created_at", "updated_at", "unit_id")),
    "user": (
        "estates.User",
        (
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "full_name",
            "phone",
            "is_demo",
        ),
    ),
    "organisation": ("estates.Organisation", ("kind", "name", "phone", "description", "founded_on", "community_id")),
    "organisation_estates": ("estates.Organisation.estates", ("organisation_id", "estate_id")),
    "membership": (
        "estates.Membership",
        (
            "role",
            "position",
            "is_owner",
            "started_on",
            "ended_on",
            "created_at",
            "district_id",
            "street_id",
            "community_id",
            "household_id",
            "organisation_id",
            "user_id",
        ),
    ),
    "request": (
        "governance.ResidentRequest",
        (
            "estate_id",
            "category_id",
            "place_kind",
            "household_id",
            "unit_id",
            "building_id",
            "public_place",
            "description",
            "urgency",
            "status",
            "filed_by_id",
            "on_behalf_of_id",
            "is_filed_by_staff",
            "accepted_by_id",
            "accepted_by_organisation_id",
            "accepted_at",
            "due_at",
            "routed_at",
            "started_at",
            "quote_amount",
            "quote_note",
            "quoted_at",
            "payment_status",
            "payment_decided_at",
            "payment_decided_by_id",
            "resolved_at",
            "resolution_note",
            "closed_at",
            "rating",
            "rating_comment",
            "confirmed_at",
            "reopen_count",
            "escalated_at",
            "escalation_reason",
            "escalation_note",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
            "contact_phone",
            "contact_cleared_at",
        ),
    ),
    "requestevent": (
        "governance.RequestEvent",
        ("request_id", "action", "from_status", "to_status", "note", "by_id", "at"),
    ),
    "paymentvote": ("governance.PaymentVote", ("request_id", "member_id", "approve", "note", "at")),
    "ratinground": (
        "governance.RatingRound",
        (
            "period_start",
            "period_end",
            "status",
            "closes_on",
            "opened_at",
            "closed_at",
            "published_at",
            "member_count",
            "scorer_count",
            "committee_score",
            "residents_score",
            "score",
            "grade",
            "figures",
            "company_id",
            "estate_id",
            "published_by_id",
        ),
    ),
    "ratingsheet": ("governance.RatingSheet", ("comment", "submitted_at", "updated_at", "member_id", "round_id")),
    "ratingscore": ("governance.RatingScore", ("score", "criterion_id", "sheet_id")),
    "meeting": (
        "governance.Meeting",
        (
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "status",
            "uid",
            "sequence",
            "summary",
            "started_at",
            "closed_at",
            "minutes_published_at",
            "created_at",
            "updated_at",
            "community_id",
            "estate_id",
            "organiser_id",
        ),
    ),
    "meetingevent": (
        "governance.MeetingEvent",
        ("action", "from_status", "to_status", "sequence", "note", "at", "by_id", "meeting_id"),
    ),
    "meeting_organisations": ("governance.Meeting.organisations", ("meeting_id", "organisation_id")),
    "meetingparticipant": ("governance.MeetingParticipant", ("attended", "meeting_id", "organisation_id", "user_id")),
    "agendaitem": (
        "governance.AgendaItem",
        (
            "position",
            "source",
            "title",
            "description",
            "notes",
            "outcome",
            "resolution",
            "action_item_id",
            "request_id",
            "dispute_id",
            "meeting_id",
        ),
    ),
    "actionitem": (
        "governance.ActionItem",
        (
            "title",
            "due_on",
            "status",
            "done_at",
            "done_note",
            "created_at",
            "done_by_id",
            "owner_id",
            "owner_organisation_id",
            "agenda_item_id",
            "meeting_id",
        ),
    ),
    "project": (
        "renovations.Project",
        (
            "kind",
            "title",
            "description",
            "budget",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "contractor_id",
            "responsible_id",
            "status",
            "consent_rule",
            "consent_scope",
            "consent_closed_at",
            "consent_result",
            "progress",
            "lift_floor_coefficients",
            "lift_weigh_by_area",
            "lift_compensations",
            "shared_cost",
            "funding_override_reason",
            "funding_override_by_id",
            "funding_override_at",
            "created_by_id",
            "created_at",
            "updated_at",
            "estate_id",
        ),
    ),
    "project_buildings": ("renovations.Project.buildings", ("project_id", "building_id")),
    "project_units": ("renovations.Project.units", ("project_id", "unit_id")),
    "ballot": (
        "renovations.Ballot",
        ("choice", "is_paper", "paper_reference", "cast_at", "cast_by_id", "household_id", "project_id"),
    ),
    "projectevent": (
        "renovations.ProjectEvent",
        ("kind", "at", "from_status", "to_status", "note", "data", "actor_id", "project_id"),
    ),
    "ledgerentry": (
        "renovations.LedgerEntry",
        (
            "kind",
            "source",
            "payer_or_payee",
            "amount",
            "occurred_on",
            "note",
            "recorded_at",
            "recorded_by_id",
            "reverses_id",
            "project_id",
        ),
    ),
    "progressupdate": ("renovations.ProgressUpdate", ("text", "percent", "created_at", "created_by_id", "project_id")),
    "inspectionrecord": (
        "renovations.InspectionRecord",
        ("inspected_on", "inspectors", "passed", "note", "recorded_at", "recorded_by_id", "project_id"),
    ),
}


def db_table(path: str) -> str:
    """The table of `app.Model` or of the many-to-many `app.Model.field`."""
    app_label, model_name, *relation = path.split(".")
    model = apps.get_model(app_label, model_name)
    if relation:
        model = model._meta.get_field(relation[0]).remote_field.through
    return model._meta.db_table


def references_and_indexes(cursor: Any, tables: list[str]) -> tuple[list[str], list[str]]:
    """Statements that drop, and that recreate, the foreign keys and the plain (non-constraint)
    indexes of `tables`; primary keys, unique and check constraints stay. Recreating a foreign key
    checks every row in one pass, where a kept one would look up (and lock) the referenced row for
    each row copied in."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2
        """,
        [tables],
    )
    keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
        )
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    drop = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, _d in keys]
    drop += [f"DROP INDEX {name}" for name, _d in indexes]
    create = [definition for _name, definition in indexes]
    create += [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in keys]
    return drop, create
