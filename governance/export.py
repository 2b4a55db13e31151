"""The Excel export of resident requests: what the staff overview lists, as an .xlsx file.

Made for large estates and districts: rows come from the database in chunks as plain values
(one query, no per-row lookups) and go straight into openpyxl's write-only workbook, which
keeps no rows in memory; the file is built in a spooled temporary file and streamed out.
The resident's name and phone follow the API's privacy rule (`permissions.can_see_people`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from estates.scope import scope_of

from . import permissions
from .models import ResidentRequest

if TYPE_CHECKING:
    from .permissions import Person

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The estates are in China: the sheet shows the time on the estate's clocks (Excel has no zones).
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK_SIZE = 2000
# Files up to this size stay in memory; larger ones spill to a temporary file on disk.
SPOOL_BYTES = 16 * 1024 * 1024
DATE_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"

VALUES = (
    "id",
    "created_at",
    "estate_id",
    "estate__name",
    "category__name_zh",
    "category__name_en",
    "place_kind",
    "household__room",
    "household__unit__name",
    "household__unit__building__name",
    "unit__name",
    "unit__building__name",
    "building__name",
    "public_place",
    "description",
    "urgency",
    "status",
    "accepted_by_organisation_id",
    "accepted_by_organisation__name",
    "due_at",
    "resolved_at",
    "rating",
    "reopen_count",
    "escalated_at",
    "quote_amount",
    "payment_status",
    "filed_by_id",
    "on_behalf_of_id",
    "on_behalf_of__full_name",
    "on_behalf_of__username",
    "on_behalf_of__phone",
)


def can_export_requests(user: Person | None) -> bool:
    """Community staff (and admins above), property-company staff and committee members export
    the requests they may see; residents and the public do not."""
    scope = scope_of(user)
    if scope.user_id is None:
        return False
    if scope.is_staff_anywhere:
        return True
    roles = permissions.roles_of(user)
    return bool(roles.company_estates or roles.committee_estates)


@dataclass(slots=True)
class _Row:
    """The fields of a request that `permissions.can_see_people` reads, without a model instance."""

    estate_id: int
    accepted_by_organisation_id: int | None
    filed_by_id: int
    on_behalf_of_id: int


def _headers() -> list[str]:
    return [
        _("No."),
        _("Filed at"),
        _("Estate"),
        _("Category"),
        _("Place"),
        _("Description"),
        _("Urgency"),
        _("Status"),
        _("Taken by (company)"),
        _("Due at"),
        _("Resolved at"),
        _("Rating"),
        _("Times reopened"),
        _("Escalated"),
        _("Quoted amount (yuan)"),
        _("Payment"),
        _("Resident"),
        _("Resident's phone"),
    ]


# Widths in characters, in the order of the headers.
WIDTHS = (8, 17, 14, 12, 18, 48, 8, 14, 16, 17, 17, 7, 8, 8, 12, 12, 12, 14)


def _place(row: dict[str, Any]) -> str:
    kind = row["place_kind"]
    if kind == ResidentRequest.PlaceKind.HOUSEHOLD:
        return f"{row['household__unit__building__name']}{row['household__unit__name']}{row['household__room']}"
    if kind == ResidentRequest.PlaceKind.UNIT:
        return f"{row['unit__building__name']}{row['unit__name']}"
    if kind == ResidentRequest.PlaceKind.BUILDING:
        return row["building__name"] or ""
    return row["public_place"]


def write_requests(requests: QuerySet[ResidentRequest], *, viewer: Person, target: IO[bytes]) -> int:
    """Write the requests as an .xlsx workbook into `target`; return how many rows were written.
    `requests` is already limited to what the viewer may see (`visible_to`) and filtered."""
    in_chinese = (translation.get_language() or "zh-hans").lower().startswith("zh")
    category_field = "category__name_zh" if in_chinese else "category__name_en"
    status_labels = {value: str(label) for value, label in ResidentRequest.Status.choices}
    urgency_labels = {value: str(label) for value, label in ResidentRequest.Urgency.choices}
    payment_labels = {value: str(label) for value, label in ResidentRequest.PaymentStatus.choices}
    payment_labels[ResidentRequest.PaymentStatus.NONE] = ""
    yes = _("Yes")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Requests"))
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def formatted(number_format: str) -> Callable[[Any], WriteOnlyCell | None]:
        # One styled cell per column, given each row's value: openpyxl writes a row before
        # `append` returns, and making a styled cell (a style lookup) is most of a date's cost.
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format

        def put(value: Any) -> WriteOnlyCell | None:
            if value is None:
                return None
            cell.value = value
            return cell

        return put

    filed_at, due_at, resolved_at = formatted(DATE_FORMAT), formatted(DATE_FORMAT), formatted(DATE_FORMAT)
    quoted = formatted(MONEY_FORMAT)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment is not None else None

    def text(value: str | None) -> str | WriteOnlyCell | None:
        """People's words stay words: openpyxl would take "=…" for a formula and "#N/A" for an error."""
        if not value:
            return None
        if value[0] == "=" or value in ERROR_CODES:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    count = 0
    for row in requests.values(*VALUES).iterator(chunk_size=CHUNK_SIZE):
        person = cast(
            ResidentRequest,
            _Row(row["estate_id"], row["accepted_by_organisation_id"], row["filed_by_id"], row["on_behalf_of_id"]),
        )
        private = permissions.can_see_people(viewer, person)
        sheet.append(
            [
                row["id"],
                filed_at(local(row["created_at"])),
                text(row["estate__name"]),
                row[category_field],
                text(_place(row)),
                text(row["description"]),
                urgency_labels.get(row["urgency"], row["urgency"]),
                status_labels.get(row["status"], row["status"]),
                text(row["accepted_by_organisation__name"]),
                due_at(local(row["due_at"])),
                resolved_at(local(row["resolved_at"])),
                row["rating"],
                row["reopen_count"],
                yes if row["escalated_at"] else None,
                quoted(row["quote_amount"]),
                payment_labels.get(row["payment_status"], row["payment_status"]) or None,
                text(row["on_behalf_of__full_name"] or row["on_behalf_of__username"]) if private else None,
                (row["on_behalf_of__phone"] or None) if private else None,
            ]
        )
        count += 1
    workbook.save(target)
    return count


def export_filename(now: datetime | None = None) -> str:
    day = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    return f"requests-{day.isoformat()}.xlsx"


def export_response(requests: QuerySet[ResidentRequest], *, viewer: Person) -> FileResponse:
    """The workbook as a download (Content-Disposition: attachment), named with today's date."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    write_requests(requests, viewer=viewer, target=cast(IO[bytes], spooled))
    spooled.seek(0)
    return FileResponse(
        spooled,
        as_attachment=True,
        filename=export_filename(),
        content_type=XLSX_CONTENT_TYPE,
    )
