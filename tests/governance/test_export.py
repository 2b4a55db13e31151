"""The Excel export of requests (GET /api/v1/requests/export/): the workbook's columns and rows,
the list's filters, the privacy of residents' names and phones, who may export, and a query
count that does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any
from zipfile import ZipFile

import pytest
import time_machine
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from rest_framework.test import APIClient

from estates.models import User
from governance import services
from governance.export import DATE_FORMAT, MONEY_FORMAT, XLSX_CONTENT_TYPE, sheet_row
from governance.models import RequestCategory, ResidentRequest
from tests.conftest import World
from tests.governance.conftest import EN, SHANGHAI, T0, client_as, fresh

URL = "/api/v1/requests/export/"
HEADERS = [
    "No.",
    "Filed at",
    "Estate",
    "Category",
    "Place",
    "Description",
    "Urgency",
    "Status",
    "Taken by (company)",
    "Due at",
    "Resolved at",
    "Rating",
    "Times reopened",
    "Escalated",
    "Quoted amount (yuan)",
    "Payment",
    "Resident",
    "Resident's phone",
]
COLUMN = {name: index for index, name in enumerate(HEADERS)}


def sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def export(user: User | None, params: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client_as(user).get(URL, params or {}, **{**EN, **extra})


def by_number(rows: list[tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    return {row[0]: row for row in rows[1:]}


@pytest.fixture
def closed_request(request_in: Callable[[str], ResidentRequest]) -> ResidentRequest:
    with time_machine.travel(T0, tick=False):
        return request_in("closed")


def test_url_is_the_api_routers(db: Any) -> None:
    assert reverse("api:request-export") == URL


def test_staff_exports_every_column_of_a_closed_request(
    world: World, closed_request: ResidentRequest, staff: User
) -> None:
    response = export(staff)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    rows = sheet_rows(response)
    assert list(rows[0]) == HEADERS
    closed_request.refresh_from_db()
    row = by_number(rows)[closed_request.pk]
    # Times in Yangquan's clock, without a zone (Excel has none): filed at 09:00 on 3 March.
    at_nine = T0.replace(tzinfo=None)
    assert row == (
        closed_request.pk,
        at_nine,
        "蕴园小区",
        "Plumbing and sewage",
        "3号楼3单元501",
        "厨房下水道堵了",
        "Normal",
        "Closed",
        "蕴和物业",
        (closed_request.due_at.astimezone(SHANGHAI)).replace(tzinfo=None),
        at_nine,
        5,
        0,
        None,
        None,
        None,
        "李居民",
        "13812341234",
    )
    assert row[COLUMN["Due at"]] == at_nine + timedelta(hours=48)


def test_quote_payment_escalation_and_reopens_are_exported(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User, director: User, staff: User
) -> None:
    paid = request_in("awaiting_payment")
    services.approve_payment(paid, by=fresh(director), note="同意")
    reopened = request_in("resolved")
    services.reopen_request(reopened, by=fresh(resident), reason="还在漏")
    services.escalate_request(reopened, by=fresh(staff), note="上联席会")
    rows = by_number(sheet_rows(export(staff)))
    assert rows[paid.pk][COLUMN["Quoted amount (yuan)"]] == 350
    assert rows[paid.pk][COLUMN["Payment"]] == "Approved"
    assert rows[paid.pk][COLUMN["Status"]] == "In progress"
    assert rows[reopened.pk][COLUMN["Times reopened"]] == 1
    assert rows[reopened.pk][COLUMN["Escalated"]] == "Yes"
    assert rows[reopened.pk][COLUMN["Payment"]] is None


def test_places_of_every_kind_are_named_as_residents_say_them(
    world: World, file_request: Callable[..., ResidentRequest], staff: User
) -> None:
    unit = file_request(place_kind="unit", household=None, unit=world.unit)
    building = file_request(place_kind="building", household=None, building=world.building)
    public = file_request(place_kind="public", household=None, public_place="北门停车场", urgency="urgent")
    rows = by_number(sheet_rows(export(staff)))
    assert rows[unit.pk][COLUMN["Place"]] == "3号楼3单元"
    assert rows[building.pk][COLUMN["Place"]] == "3号楼"
    assert rows[public.pk][COLUMN["Place"]] == "北门停车场"
    assert rows[public.pk][COLUMN["Urgency"]] == "Urgent"


def test_words_that_look_like_formulas_stay_words(
    world: World, file_request: Callable[..., ResidentRequest], staff: User
) -> None:
    formula = file_request(description='=HYPERLINK("http://example.com","点我")')
    error_like = file_request(description="#N/A")
    response = export(staff)
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    cells = {row[0].value: row[COLUMN["Description"]] for row in sheet.iter_rows(min_row=2)}
    assert (cells[formula.pk].data_type, cells[formula.pk].value) == ("s", '=HYPERLINK("http://example.com","点我")')
    assert (cells[error_like.pk].data_type, cells[error_like.pk].value) == ("s", "#N/A")


def test_characters_xml_cannot_hold_are_left_out(
    world: World, file_request: Callable[..., ResidentRequest], staff: User
) -> None:
    pasted = file_request(description="水管\x0b漏水\x1b了")
    rows = by_number(sheet_rows(export(staff)))
    assert rows[pasted.pk][COLUMN["Description"]] == "水管漏水了"


# ---------------------------------------------------------------- the rows, as openpyxl writes them

# Values of every kind the export writes, with what makes XML and Excel awkward: markup
# characters, spaces at either end (also the ideographic one), line breaks, carriage returns,
# characters beyond the BMP, text that looks like a formula or an error, money, fractions of a
# second, and text longer than a cell holds.
ROWS: list[list[Any]] = [
    [
        *(1, datetime(2025, 3, 3, 9, 0), "蕴园小区", "上下水与排污", "3号楼3单元501", "厨房下水道堵了"),
        *(None, None, None, datetime(2025, 3, 5, 9, 0, 0, 123456), None, 5, 0, None),
        *(Decimal("350.00"), "已批准", "李居民", "13812341234"),
    ],
    [
        *(123456789, datetime(1999, 12, 31, 23, 59, 59), "a & b < c > d", "quote \" and '", " leading"),
        *("trailing\u3000", "line\nbreak\ttab", "carriage\r\nreturn", "emoji 😀 ok", None, datetime(2030, 1, 1)),
        *(1, 12, '=HYPERLINK("http://example.com")', Decimal("0.01"), "#N/A", "]]>", Decimal("1234567.89")),
    ],
    [2, None, None, None, None, "长" * 40000, None, None, None, None, None, None, None, None, Decimal("12.5")],
]
DATES = {1, 9, 10}
MONEY = 14


def openpyxl_sheet(rows: list[list[Any]]) -> tuple[bytes, list[str]]:
    """openpyxl's own write-only sheet of the rows (times and money styled, strings always text):
    the XML inside <sheetData>, and the ` s="…"` attribute of each column."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    styles = [""] * 18
    for column, number_format in [*((c, DATE_FORMAT) for c in DATES), (MONEY, MONEY_FORMAT)]:
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format
        styles[column] = f' s="{cell.style_id}"'
    for values in rows:
        cells: list[Any] = []
        for column, value in enumerate(values):
            if value is not None and (styles[column] or (isinstance(value, str) and value[:1] == "=")):
                cell = WriteOnlyCell(sheet, value=value)
                if column in DATES:
                    cell.number_format = DATE_FORMAT
                elif column == MONEY:
                    cell.number_format = MONEY_FORMAT
                cell.data_type = "s" if isinstance(value, str) else cell.data_type
                value = cell
            elif isinstance(value, str) and value in ERROR_CODES:
                value = WriteOnlyCell(sheet, value=value)
                value.data_type = "s"
            cells.append(value)
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    with ZipFile(buffer) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    return xml.split(b"<sheetData>")[1].split(b"</sheetData>")[0], styles


def test_rows_are_written_as_openpyxl_writes_them() -> None:
    expected, styles = openpyxl_sheet(ROWS)
    written = "".join(sheet_row(number, values, styles) for number, values in enumerate(ROWS, start=1))
    # openpyxl writes characters outside ASCII as character references, the export as UTF-8.
    assert written.encode("ascii", "xmlcharrefreplace") == expected
    assert expected.count(b"<c ") == sum(value is not None for values in ROWS for value in values)


def test_headers_and_labels_follow_the_users_language(closed_request: ResidentRequest, staff: User) -> None:
    response = client_as(staff).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = sheet_rows(response)
    row = by_number(rows)[closed_request.pk]
    assert row[COLUMN["Category"]] == "上下水与排污"
    assert row[COLUMN["Status"]] == str(ResidentRequest.Status.CLOSED.label)


def test_filters_of_the_list_apply(
    world: World,
    request_in: Callable[[str], ResidentRequest],
    file_request: Callable[..., ResidentRequest],
    staff: User,
) -> None:
    with time_machine.travel(T0 - timedelta(days=10), tick=False):
        old = file_request(description="旧的")
    closed = request_in("closed")
    submitted = request_in("submitted")
    urgent = file_request(urgency="urgent", category=RequestCategory.objects.get(code="lift"))

    def numbers(params: dict[str, Any]) -> set[int]:
        return set(by_number(sheet_rows(export(staff, params))))

    assert numbers({"status": "closed"}) == {closed.pk}
    assert numbers({"status": ["closed", "submitted"]}) == {closed.pk, submitted.pk, old.pk, urgent.pk}
    assert numbers({"urgency": "urgent"}) == {urgent.pk}
    assert numbers({"category": "lift"}) == {urgent.pk}
    assert numbers({"estate": world.other_estate.pk}) == set()
    assert old.pk not in numbers({"created_after": (T0 - timedelta(days=5)).date().isoformat()})
    assert numbers({"created_before": (T0 - timedelta(days=5)).date().isoformat()}) == {old.pk}
    assert numbers({"search": "旧的"}) == {old.pk}


def test_the_export_keeps_the_lists_order(
    world: World, file_request: Callable[..., ResidentRequest], staff: User
) -> None:
    first = file_request()
    second = file_request()
    newest_first = [row[0] for row in sheet_rows(export(staff))[1:]]
    assert newest_first == [second.pk, first.pk]
    oldest_first = [row[0] for row in sheet_rows(export(staff, {"ordering": "created_at"}))[1:]]
    assert oldest_first == [first.pk, second.pk]


def test_bad_filter_is_a_400_not_a_file(world: World, staff: User) -> None:
    response = export(staff, {"created_after": "not-a-day"})
    assert response.status_code == 400
    assert "created_after" in response.json()


# ---------------------------------------------------------------- privacy and scope


def test_committee_sees_no_names_or_phones(request_in: Callable[[str], ResidentRequest], committee: User) -> None:
    target = request_in("closed")
    row = by_number(sheet_rows(export(committee)))[target.pk]
    assert (row[COLUMN["Resident"]], row[COLUMN["Resident's phone"]]) == (None, None)
    assert row[COLUMN["Description"]] == "厨房下水道堵了"


def test_property_staff_see_the_resident_only_on_requests_their_company_took(
    request_in: Callable[[str], ResidentRequest], property_staff: User
) -> None:
    taken = request_in("accepted")
    waiting = request_in("submitted")
    rows = by_number(sheet_rows(export(property_staff)))
    assert rows[taken.pk][COLUMN["Resident"]] == "李居民"
    assert rows[taken.pk][COLUMN["Resident's phone"]] == "13812341234"
    assert (rows[waiting.pk][COLUMN["Resident"]], rows[waiting.pk][COLUMN["Resident's phone"]]) == (None, None)


def test_another_companys_staff_export_nothing_of_our_estate(
    request_in: Callable[[str], ResidentRequest], rival: User
) -> None:
    request_in("accepted")
    assert sheet_rows(export(rival)) == [tuple(HEADERS)]


def test_outsider_gets_only_their_own_scope_which_is_empty(
    request_in: Callable[[str], ResidentRequest], outsider: User, world: World
) -> None:
    request_in("closed")
    request_in("submitted")
    assert sheet_rows(export(outsider)) == [tuple(HEADERS)]
    assert sheet_rows(export(outsider, {"estate": world.estate.pk})) == [tuple(HEADERS)]


def test_street_admin_and_superuser_export_the_estates_below_them(
    request_in: Callable[[str], ResidentRequest], street_admin: User, superuser: User
) -> None:
    target = request_in("submitted")
    for user in (street_admin, superuser):
        row = by_number(sheet_rows(export(user)))[target.pk]
        assert row[COLUMN["Resident"]] == "李居民"


@pytest.mark.parametrize(("name", "code"), [("resident", 403), ("neighbour", 403), ("mediator", 403)])
def test_residents_and_mediators_may_not_export(
    request: Any, file_request: Callable[..., ResidentRequest], name: str, code: int
) -> None:
    file_request()
    response = export(request.getfixturevalue(name))
    assert response.status_code == code
    assert "export" in response.json()["detail"]


def test_the_public_must_sign_in(world: World) -> None:
    response = APIClient().get(URL)
    assert response.status_code == 401


def test_file_is_an_attachment_named_with_the_day_in_shanghai(world: World, staff: User) -> None:
    # 20:30 in London on 3 March is already 4 March in Yangquan.
    with time_machine.travel(datetime(2025, 3, 3, 20, 30, tzinfo=UTC), tick=False):
        response = export(staff)
    assert response["Content-Disposition"] == 'attachment; filename="requests-2025-03-04.xlsx"'
    assert int(response["Content-Length"]) > 0
    assert sheet_rows(response) == [tuple(HEADERS)]


# ---------------------------------------------------------------- queries


def add_rows(world: World, resident: User, category: RequestCategory, count: int) -> None:
    """`count` requests in one insert, half of them taken by the company (the export reads
    the company's name and the resident's through the same joins)."""
    ResidentRequest.objects.bulk_create(
        ResidentRequest(
            estate=world.estate,
            category=category,
            place_kind="household",
            household=world.household,
            description=f"第{i}件事",
            filed_by=resident,
            on_behalf_of=resident,
            status="accepted" if i % 2 else "submitted",
            accepted_by_organisation=world.property_org if i % 2 else None,
            quote_amount=Decimal("12.50") if i % 3 == 0 else None,
        )
        for i in range(count)
    )


BUDGETS = [
    # scope (memberships; estates of the staffed community); the rows, in one query
    ("staff", 3),
    # scope (memberships; communities of the street; their estates); the rows
    ("street_admin", 4),
    # scope (memberships; estates the company serves); the company roles; the rows
    ("property_staff", 4),
    ("committee", 4),
    # the rows
    ("superuser", 1),
]


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(("name", "queries"), BUDGETS)
def test_query_count_does_not_grow_with_rows(
    world: World,
    request: Any,
    resident: User,
    plumbing: RequestCategory,
    name: str,
    queries: int,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    add_rows(world, resident, plumbing, rows)
    client = client_as(request.getfixturevalue(name))
    with django_assert_num_queries(queries):
        response = client.get(URL)
    assert len(sheet_rows(response)) == rows + 1
