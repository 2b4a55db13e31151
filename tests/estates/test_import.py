"""Importing buildings, units and households from .xlsx and CSV files.

The world's 蕴园小区 already holds 3号楼 (6 floors) → 3单元 → rooms 501 (78.50 m²) and 502.
Messages are checked in English (the source strings); the zh catalogue is the lead's.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estates import importing
from estates.errors import Invalid, NotAllowed
from estates.importing import import_households
from estates.models import Building, Household, Unit
from estates.scope import scope_of

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["楼栋", "单元", "房号", "楼层", "建筑面积"]


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def csv_file(rows: list[list[Any]], *, encoding: str = "utf-8", name: str = "households.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(sheets: dict[str, list[list[Any]]], *, name: str = "households.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def messages(result: importing.ImportResult) -> list[str]:
    return [error.message for error in result.errors]


def households(world: Any) -> dict[tuple[str, str, str], tuple[int, Decimal]]:
    return {
        (h.unit.building.name, h.unit.name, h.room): (h.floor, h.floor_area)
        for h in Household.objects.filter(unit__building__estate=world.estate).select_related("unit__building")
    }


# ---------------------------------------------------------------------------------------
# Reading files


def test_staff_imports_utf8_csv_creating_buildings_units_and_households(world: Any, staff: Any) -> None:
    file = csv_file([HEADER, ["3号楼", "3单元", "601", 6, "78.50"], ["1号楼", "2单元", "101", 1, "55"]])

    result = import_households(world.estate, file, by=staff)

    assert result.ok and result.committed
    assert (result.rows, result.buildings_created, result.units_created) == (2, 1, 1)
    assert (result.households_created, result.households_updated, result.households_unchanged) == (2, 0, 0)
    assert households(world)[("3号楼", "3单元", "601")] == (6, Decimal("78.50"))
    assert households(world)[("1号楼", "2单元", "101")] == (1, Decimal("55.00"))
    assert Building.objects.get(estate=world.estate, name="1号楼").floors == 6


def test_gb18030_csv_from_chinese_excel_is_read(world: Any, staff: Any) -> None:
    file = csv_file([HEADER, ["4号楼", "1单元", "101", 1, "60.5"]], encoding="gb18030")

    result = import_households(world.estate, file, by=staff)

    assert result.ok
    assert ("4号楼", "1单元", "101") in households(world)


def test_utf8_csv_with_bom_and_semicolons_is_read(world: Any, staff: Any) -> None:
    text = "\ufeff楼栋;单元;房号;面积\n5号楼;1单元;101;60\n"
    result = import_households(world.estate, SimpleUploadedFile("h.csv", text.encode()), by=staff)

    assert result.ok
    assert households(world)[("5号楼", "1单元", "101")] == (1, Decimal("60.00"))


def test_utf16_tab_separated_text_from_excel_is_read(world: Any, staff: Any) -> None:
    text = "楼栋\t单元\t房号\t建筑面积\n5号楼\t1单元\t201\t60\n"
    result = import_households(world.estate, SimpleUploadedFile("h.txt", text.encode("utf-16")), by=staff)

    assert result.ok
    assert households(world)[("5号楼", "1单元", "201")] == (2, Decimal("60.00"))


def test_xlsx_with_title_row_numbers_and_extra_columns_is_read(world: Any, staff: Any) -> None:
    file = xlsx_file(
        {
            "住户": [
                ["蕴园小区住户信息表"],
                [],
                ["序号", "楼栋", "单元", "房号", "楼层", "建筑面积(㎡)", "业主姓名", "联系电话"],
                [1, 7, 1, 101, 1, 55.5, "张三", "13800000000"],
                [2, 7, 1, 102, None, 78.55000000000001, "李四", "13900000000"],
            ]
        }
    )

    result = import_households(world.estate, file, by=staff)

    assert result.ok, messages(result)
    assert households(world)[("7号楼", "1单元", "101")] == (1, Decimal("55.50"))
    assert households(world)[("7号楼", "1单元", "102")] == (1, Decimal("78.55"))
    assert result.ignored_columns == ["序号", "业主姓名", "联系电话"]


def test_xlsx_with_one_sheet_per_building_reads_every_sheet_and_names_it_in_errors(world: Any, staff: Any) -> None:
    file = xlsx_file(
        {
            "说明": [["请按模板填写"]],
            "8号楼": [["楼栋", "单元", "房号", "面积"], ["8号楼", "1单元", "101", 50]],
            "9号楼": [["楼栋", "单元", "房号", "面积"], ["9号楼", "1单元", "101", 50], ["9号楼", "1单元", "102", -1]],
        }
    )

    result = import_households(world.estate, file, by=staff, dry_run=True)

    assert result.households_created == 2
    assert [(e.sheet, e.row) for e in result.errors] == [("9号楼", 3)]
    assert messages(result) == ["Sheet “9号楼”, row 3: the floor area must be a positive number, not “-1”."]


def test_header_aliases_in_english_any_order_with_spaces_and_case(world: Any, staff: Any) -> None:
    file = csv_file(
        [[" Floor_Area ", "ROOM", " Unit", "Building ", "Floor", "Floors"], ["70", "301", "2", "6", "3", "7"]]
    )

    result = import_households(world.estate, file, by=staff)

    assert result.ok, messages(result)
    assert households(world)[("6号楼", "2单元", "301")] == (3, Decimal("70.00"))
    assert Building.objects.get(estate=world.estate, name="6号楼").floors == 7


def test_bare_numbers_full_width_digits_and_spaces_are_normalised(world: Any, staff: Any) -> None:
    file = csv_file([HEADER, ["３", " 3 ", "６０１室", "", "70㎡"], ["3 号楼", "03", "602", "6层", "70.1 平方米"]])

    result = import_households(world.estate, file, by=staff)

    assert result.ok, messages(result)
    assert result.buildings_created == 0 and result.units_created == 0
    assert households(world)[("3号楼", "3单元", "601")] == (6, Decimal("70.00"))
    assert households(world)[("3号楼", "3单元", "602")] == (6, Decimal("70.10"))


@pytest.mark.parametrize("name", ["3", "03", "3#", "3#楼", "3号", "3栋", "3幢", "３号楼"])
def test_common_ways_of_writing_a_building_number_match_3号楼(world: Any, staff: Any, name: str) -> None:
    result = import_households(world.estate, csv_file([HEADER, [name, "3", "601", 6, 60]]), by=staff, dry_run=True)

    assert (result.buildings_created, result.units_created, result.households_created) == (0, 0, 1)


def test_floor_is_read_from_the_room_number_when_the_column_is_absent(world: Any, staff: Any) -> None:
    file = csv_file(
        [["楼栋", "单元", "房号", "面积"], ["10号楼", "1单元", "1203", 90], ["10号楼", "1单元", "2-301", 90]]
    )

    result = import_households(world.estate, file, by=staff)

    assert result.ok
    assert households(world)[("10号楼", "1单元", "1203")][0] == 12
    assert households(world)[("10号楼", "1单元", "2-301")][0] == 3
    assert Building.objects.get(estate=world.estate, name="10号楼").floors == 12  # the highest floor seen


def test_rows_may_be_given_as_a_table_instead_of_a_file(world: Any, staff: Any) -> None:
    result = import_households(world.estate, [HEADER, ["3号楼", "3单元", "601", 6, Decimal("60")]], by=staff)

    assert result.ok and result.households_created == 1


# ---------------------------------------------------------------------------------------
# Validation: every bad row, with its row number as Excel shows it


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["", "3单元", "601", 6, 70], "Row 2: the building is missing."),
        (["3号楼", None, "601", 6, 70], "Row 2: the unit is missing."),
        (["3号楼", "3单元", " ", 6, 70], "Row 2: the room number is missing."),
        (["3号楼", "3单元", "601", 6, ""], "Row 2: the floor area is missing."),
        (["3号楼", "3单元", "601", "六", 70], "Row 2: the floor must be a whole number, not “六”."),
        (["3号楼", "3单元", "601", "5.5", 70], "Row 2: the floor must be a whole number, not “5.5”."),
        (
            ["3号楼", "3单元", "601", 0, 70],
            "Row 2: floor 0 does not exist; use 1 to 200, or -1 to -5 for basements.",
        ),
        (["3号楼", "3单元", "东户", "", 70], "Row 2: the floor is missing and cannot be read from room number “东户”."),
        (["3号楼", "3单元", "601", 6, "abc"], "Row 2: the floor area must be a positive number, not “abc”."),
        (["3号楼", "3单元", "601", 6, "0"], "Row 2: the floor area must be a positive number, not “0”."),
        (["3号楼", "3单元", "601", 6, "-5"], "Row 2: the floor area must be a positive number, not “-5”."),
        (["3号楼", "3单元", "601", 6, "NaN"], "Row 2: the floor area must be a positive number, not “NaN”."),
        (["3号楼", "3单元", "601", 6, "78.555"], "Row 2: the floor area 78.555 has more than 2 decimal places."),
        (["3号楼", "3单元", "601", 6, "1000000"], "Row 2: the floor area 1000000 m² is too large."),
        (["3号楼", "3单元", "601", 7, 70], "Row 2: floor 7 is above the top floor (6) of 3号楼."),
        (["3号楼", "3单元", "1" * 21, 6, 70], f"Row 2: the room number “{'1' * 21}” is longer than 20 characters."),
    ],
)
def test_bad_row_is_reported_with_its_row_number(world: Any, staff: Any, row: list[Any], message: str) -> None:
    result = import_households(world.estate, csv_file([HEADER, row]), by=staff)

    assert messages(result) == [message]
    assert result.error_count == 1 and not result.committed


def test_bad_number_of_floors_is_reported(world: Any, staff: Any) -> None:
    file = csv_file(
        [[*HEADER, "总层数"], ["20号楼", "1单元", "101", 1, 60, "0"], ["20号楼", "1单元", "102", 1, 60, "x"]]
    )

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == [
        "Row 2: the number of floors must be a whole number from 1 to 200, not “0”.",
        "Row 3: the number of floors must be a whole number from 1 to 200, not “x”.",
    ]


def test_floor_above_the_declared_floors_of_a_new_building_is_reported(world: Any, staff: Any) -> None:
    file = csv_file([[*HEADER, "总层数"], ["20号楼", "1单元", "501", 5, 60, 5], ["20号楼", "1单元", "601", 6, 60, 5]])

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == ["Row 3: floor 6 is above the top floor (5) of 20号楼."]


def test_floors_differing_from_the_registered_building_are_reported(world: Any, staff: Any) -> None:
    file = csv_file([[*HEADER, "总层数"], ["3号楼", "3单元", "601", 6, 60, 7]])

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == [
        "Row 2: 3号楼 is registered with 6 floors, but the file says 7. Correct the building or the file."
    ]


def test_floors_differing_within_the_file_are_reported(world: Any, staff: Any) -> None:
    file = csv_file([[*HEADER, "总层数"], ["20号楼", "1单元", "101", 1, 60, 6], ["20号楼", "2单元", "101", 1, 60, 7]])

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == ["Row 3: 20号楼 has 7 floors here but 6 at row 2."]


def test_duplicate_room_in_the_file_is_reported_with_both_rows(world: Any, staff: Any) -> None:
    file = csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60], ["3", "3", "601", 6, 61]])

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == ["Row 3: 3号楼3单元 room 601 appears twice in the file (also at row 2)."]


def test_room_that_excel_turned_into_a_date_is_reported(world: Any, staff: Any) -> None:
    file = xlsx_file({"Sheet1": [HEADER, ["3号楼", "3单元", datetime(2024, 3, 1), 3, 60]]})

    result = import_households(world.estate, file, by=staff)

    assert messages(result) == [
        "Row 2: the room number looks like a date; format the column as text in Excel and type it again."
    ]


def test_every_bad_row_is_listed_and_blank_rows_are_skipped(world: Any, staff: Any) -> None:
    rows = [HEADER, ["3号楼", "3单元", "601", 6, 60], ["", "", "", "", ""], ["3号楼", "", "602", 6, 0]]

    result = import_households(world.estate, csv_file(rows), by=staff)

    assert messages(result) == [
        "Row 4: the unit is missing.",
        "Row 4: the floor area must be a positive number, not “0”.",
    ]
    assert result.rows == 2


def test_errors_listed_are_capped_but_all_counted(world: Any, staff: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(importing, "MAX_REPORTED_ERRORS", 3)
    rows = [HEADER, *[["3号楼", "3单元", str(100 + i), 1, "x"] for i in range(5)]]

    result = import_households(world.estate, csv_file(rows), by=staff)

    assert result.error_count == 5 and len(result.errors) == 3


# ---------------------------------------------------------------------------------------
# Whole-file problems: a clear message, nothing read


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("h.csv", b""), "The file is empty."),
        (
            SimpleUploadedFile("h.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
            "Only Excel workbooks (.xlsx) and CSV files can be imported.",
        ),
        (
            SimpleUploadedFile("h.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
            "Only Excel workbooks (.xlsx) and CSV files can be imported.",
        ),
        (SimpleUploadedFile("h.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), "Old Excel files (.xls)"),
        (SimpleUploadedFile("h.xlsx", b"PK\x03\x04 not really a zip"), "The Excel file is damaged"),
        (SimpleUploadedFile("h.xlsx", b"just text"), "The Excel file is damaged"),
        (
            SimpleUploadedFile("h.csv", "楼栋,单元,楼层\n3,3,5\n".encode()),
            "The file has no column for: 房号/room、建筑面积",
        ),
        (SimpleUploadedFile("h.csv", "姓名,电话\n张三,1\n".encode()), "No header row was found."),
        (SimpleUploadedFile("h.csv", "楼栋,单元,房号,面积\n".encode()), "The file has no rows to import"),
        (SimpleUploadedFile("h.csv", "楼栋,单元,房号,面积,建筑面积\n3,3,501,1,1\n".encode()), "Two columns hold"),
    ],
)
def test_unreadable_file_is_refused_with_a_message(world: Any, staff: Any, file: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        import_households(world.estate, file, by=staff)

    assert str(caught.value.message).startswith(message)


def test_file_over_5_mb_is_refused(world: Any, staff: Any) -> None:
    file = SimpleUploadedFile("h.csv", b"a" * (5 * 1024 * 1024 + 1))

    with pytest.raises(Invalid, match="larger than 5 MB"):
        import_households(world.estate, file, by=staff)


def test_file_with_too_many_rows_is_refused(world: Any, staff: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [HEADER, *[["3号楼", "3单元", str(100 + i), 1, 50] for i in range(4)]]

    with pytest.raises(Invalid, match="more than 3 rows"):
        import_households(world.estate, csv_file(rows), by=staff)


# ---------------------------------------------------------------------------------------
# All or nothing; dry runs; re-imports


def test_dry_run_counts_and_writes_nothing(world: Any, staff: Any) -> None:
    before = households(world)
    file = csv_file([HEADER, ["3号楼", "3单元", "501", 5, "80"], ["11号楼", "1单元", "101", 1, 50]])

    result = import_households(world.estate, file, by=staff, dry_run=True)

    assert result.ok and not result.committed
    assert (result.buildings_created, result.units_created, result.households_created) == (1, 1, 1)
    assert result.households_updated == 1
    assert households(world) == before
    assert not Building.objects.filter(name="11号楼").exists()


def test_one_bad_row_among_good_ones_writes_nothing(world: Any, staff: Any) -> None:
    before = households(world)
    rows = [HEADER, *[["12号楼", "1单元", f"{f}01", f, 60] for f in range(1, 6)], ["12号楼", "1单元", "601", 6, "x"]]

    result = import_households(world.estate, csv_file(rows), by=staff)

    assert not result.committed
    assert messages(result) == ["Row 7: the floor area must be a positive number, not “x”."]
    assert households(world) == before
    assert not Building.objects.filter(name="12号楼").exists()


def test_reimport_updates_rather_than_duplicating(world: Any, staff: Any) -> None:
    rows = [HEADER, ["3号楼", "3单元", "501", 5, "80.00"], ["3号楼", "3单元", "502", 5, "65.20"]]
    first = import_households(world.estate, csv_file(rows), by=staff)
    again = import_households(world.estate, csv_file(rows), by=staff)

    assert (first.households_created, first.households_updated, first.households_unchanged) == (0, 1, 1)
    assert (again.households_created, again.households_updated, again.households_unchanged) == (0, 0, 2)
    assert Household.objects.filter(unit=world.unit).count() == 2
    assert households(world)[("3号楼", "3单元", "501")] == (5, Decimal("80.00"))
    assert Household.objects.get(pk=world.household.pk).floor_area == Decimal("80.00")  # the same row, kept


def test_reimport_updates_through_the_orm_on_other_databases(world: Any, staff: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the path `make run` takes on SQLite
    rows = [HEADER, ["3号楼", "3单元", "501", 4, "81.25"], ["3号楼", "3单元", "502", 5, "66"]]

    result = import_households(world.estate, csv_file(rows), by=staff)

    assert result.households_updated == 2
    assert households(world)[("3号楼", "3单元", "501")] == (4, Decimal("81.25"))
    assert households(world)[("3号楼", "3单元", "502")] == (5, Decimal("66.00"))


def test_existing_building_named_by_a_bare_number_is_reused(world: Any, staff: Any) -> None:
    building = Building.objects.create(estate=world.estate, name="5", floors=6)
    Unit.objects.create(building=building, name="1")

    result = import_households(world.estate, csv_file([HEADER, ["5号楼", "1单元", "101", 1, 50]]), by=staff)

    assert (result.buildings_created, result.units_created, result.households_created) == (0, 0, 1)
    assert Household.objects.get(room="101", unit__building=building).unit.name == "1"


# ---------------------------------------------------------------------------------------
# Who may import


def test_outsider_may_not_import_into_another_communitys_estate(world: Any, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        import_households(world.estate, csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60]]), by=outsider, dry_run=True)


def test_street_admin_may_import(world: Any, street_admin: Any) -> None:
    result = import_households(world.estate, csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60]]), by=street_admin)

    assert result.committed


# ---------------------------------------------------------------------------------------
# Queries do not grow with the rows


def _rows(count: int, building: str) -> list[list[Any]]:
    return [HEADER, *[[building, f"{i % 2 + 1}单元", f"{i // 2 % 6 + 1}{i // 12:02d}", "", 60] for i in range(count)]]


def test_import_query_count_does_not_grow_with_rows(world: Any, staff: Any) -> None:
    scope_of(staff)  # computed once per user; not part of the import
    counts = []
    for count, building in ((50, "30号楼"), (500, "31号楼")):
        file = csv_file(_rows(count, building))
        with CaptureQueriesContext(connection) as queries:
            result = import_households(world.estate, file, by=staff)
        assert result.households_created == count, messages(result)
        counts.append(len(queries))
    # lock the estate, read buildings, units and households, then create buildings, units
    # and one batch of households (plus the savepoint around it)
    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_reimport_query_count_does_not_grow_with_rows(world: Any, staff: Any) -> None:
    scope_of(staff)
    counts = []
    for count, building in ((50, "30号楼"), (500, "31号楼")):
        import_households(world.estate, csv_file(_rows(count, building)), by=staff)
        changed = [
            [b, u, r, f, 61] if i else [b, u, r, f, a] for i, (b, u, r, f, a) in enumerate(_rows(count, building))
        ]
        with CaptureQueriesContext(connection) as queries:
            result = import_households(world.estate, csv_file(changed), by=staff)
        assert result.households_updated == count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_dry_run_query_count_does_not_grow_with_rows(world: Any, staff: Any) -> None:
    scope_of(staff)
    counts = []
    for count in (50, 500):
        file = csv_file(_rows(count, "30号楼"))
        with CaptureQueriesContext(connection) as queries:
            import_households(world.estate, file, by=staff, dry_run=True)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------------------------
# The API


URL = "/api/v1/estates/{}/import-households/"


def post(client: Any, world: Any, file: Any, *, dry_run: bool | None = None) -> Any:
    data: dict[str, Any] = {"file": file}
    if dry_run is not None:
        data["dry_run"] = "true" if dry_run else "false"
    return client.post(URL.format(world.estate.pk), data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")


def test_api_dry_run_returns_the_counts(api_as: Any, world: Any, staff: Any) -> None:
    file = csv_file([["楼栋", "单元", "房号", "面积", "备注"], ["3号楼", "3单元", "601", 60, ""]])

    response = post(api_as(staff), world, file, dry_run=True)

    assert response.status_code == 200
    assert response.json() == {
        "dry_run": True,
        "committed": False,
        "rows": 1,
        "buildings_created": 0,
        "units_created": 0,
        "households_created": 1,
        "households_updated": 0,
        "households_unchanged": 0,
        "error_count": 0,
        "errors": [],
        "ignored_columns": ["备注"],
    }
    assert not Household.objects.filter(room="601").exists()


def test_api_dry_run_with_bad_rows_lists_them(api_as: Any, world: Any, staff: Any) -> None:
    response = post(api_as(staff), world, csv_file([HEADER, ["3号楼", "3单元", "601", 9, 60]]), dry_run=True)

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {"row": 2, "sheet": "", "field": "floor", "message": "Row 2: floor 9 is above the top floor (6) of 3号楼."}
    ]


def test_api_import_commits(api_as: Any, world: Any, staff: Any) -> None:
    file = xlsx_file({"Sheet1": [HEADER, ["3号楼", "3单元", "601", 6, 60]]})

    response = post(api_as(staff), world, file)

    assert response.status_code == 200
    assert response.json()["committed"] is True
    assert Household.objects.filter(unit=world.unit, room="601").exists()


def test_api_import_with_a_bad_row_answers_400_and_writes_nothing(api_as: Any, world: Any, staff: Any) -> None:
    file = csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60], ["3号楼", "3单元", "602", 6, "?"]])

    response = post(api_as(staff), world, file, dry_run=False)

    assert response.status_code == 400
    body = response.json()
    assert body["committed"] is False
    assert [e["message"] for e in body["errors"]] == ["Row 3: the floor area must be a positive number, not “?”."]
    assert not Household.objects.filter(room__in=["601", "602"]).exists()


def test_api_refuses_a_non_spreadsheet_upload(api_as: Any, world: Any, staff: Any) -> None:
    file = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, content_type="image/jpeg")

    response = post(api_as(staff), world, file)

    assert response.status_code == 400
    assert response.json() == {"file": ["Only Excel workbooks (.xlsx) and CSV files can be imported."]}


def test_api_without_a_file_answers_400(api_as: Any, world: Any, staff: Any) -> None:
    response = api_as(staff).post(URL.format(world.estate.pk), {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_api_outsider_gets_403(api_as: Any, world: Any, outsider: Any) -> None:
    response = post(api_as(outsider), world, csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60]]), dry_run=True)

    assert response.status_code == 403
    assert not Household.objects.filter(room="601").exists()


def test_api_resident_gets_403(api_as: Any, world: Any, resident: Any) -> None:
    response = post(api_as(resident), world, csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60]]))

    assert response.status_code == 403
    assert not Household.objects.filter(room="601").exists()


def test_api_anonymous_gets_401(api_as: Any, world: Any) -> None:
    response = post(api_as(None), world, csv_file([HEADER, ["3号楼", "3单元", "601", 6, 60]]))

    assert response.status_code == 401


def test_api_unknown_estate_gets_404(api_as: Any, world: Any, staff: Any) -> None:
    response = api_as(staff).post(URL.format("999999"), {"file": csv_file([HEADER])}, format="multipart")

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------
# The page


def test_import_page_renders_for_staff(client: Any, world: Any, staff: Any) -> None:
    client.force_login(staff)

    response = client.get(f"/registry/estates/{world.estate.pk}/import/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="import-form"' in body and "js/import.js" in body
    assert f'data-estate-id="{world.estate.pk}"' in body


def test_import_page_is_404_for_an_outsider(client: Any, world: Any, outsider: Any) -> None:
    client.force_login(outsider)

    assert client.get(f"/registry/estates/{world.estate.pk}/import/").status_code == 404


# ---------------------------------------------------------------------------------------
# The command


def test_command_imports_the_sample_file_by_estate_name(world: Any) -> None:
    out = io.StringIO()

    call_command("import_households", str(FIXTURES / "households_sample.csv"), estate="蕴园小区", stdout=out)

    text = out.getvalue()
    assert "Imported into 蕴园小区:" in text
    assert "households created: 5" in text and "buildings created: 1" in text
    assert "columns ignored: 序号, 业主姓名" in text
    assert households(world)[("3号楼", "3单元", "602")] == (6, Decimal("65.20"))
    assert households(world)[("1号楼", "2单元", "201")] == (2, Decimal("60.00"))


def test_command_dry_run_by_id_writes_nothing(world: Any) -> None:
    out = io.StringIO()

    call_command(
        "import_households",
        str(FIXTURES / "households_sample.csv"),
        estate=str(world.estate.pk),
        dry_run=True,
        stdout=out,
    )

    assert "nothing written" in out.getvalue()
    assert not Building.objects.filter(name="1号楼", estate=world.estate).exists()


def test_command_prints_bad_rows_and_exits_non_zero(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("楼栋,单元,房号,楼层,面积\n3,3,601,6,60\n3,3,602,6,abc\n,3,603,6,60\n", encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 problems found; nothing was imported"):
        call_command("import_households", str(path), estate="蕴园小区", stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "Row 3: the floor area must be a positive number, not “abc”.",
        "Row 4: the building is missing.",
    ]
    assert not Household.objects.filter(room="601").exists()


def test_command_unreadable_file_exits_non_zero(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")

    with pytest.raises(CommandError, match="Only Excel workbooks"):
        call_command("import_households", str(path), estate="蕴园小区")


def test_command_unknown_estate_exits_non_zero(world: Any) -> None:
    with pytest.raises(CommandError, match="No estate has the id or name “无此小区”"):
        call_command("import_households", str(FIXTURES / "households_sample.csv"), estate="无此小区")
