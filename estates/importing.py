"""Import buildings, units and households from a spreadsheet (.xlsx or .csv).

Community offices keep their registers in hand-made Excel sheets, so the reader is
forgiving about the shape and strict about the data:

- the header row names the columns in Chinese or English, in any order, and may sit below
  a title row; unknown columns (序号, 备注, …) are ignored and listed back to the user;
- "3" (or 3#, 3栋) in the building column means 3号楼, "3" in the unit column 3单元; full-width digits,
  stray spaces and units such as "78.5㎡" are accepted;
- CSV may be UTF-8 (with or without BOM), GBK/GB18030 (what Excel in China writes) or the
  UTF-16 of Excel's "Unicode text"; an .xlsx may hold the register on several sheets;
- every bad row is reported with its row number as Excel shows it, and nothing is written
  unless every row is good.

Only places are imported: owners' names and phone numbers stay out (PIPL).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions
from .errors import Conflict, Invalid, NotAllowed
from .models import Building, Estate, Household, Unit

Person = Any  # User or AnonymousUser; None means the system (management command)
Source = str | os.PathLike[str] | IO[bytes] | Iterable[Sequence[Any]]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an .xlsx is a zip: bound what it unpacks to
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 1000
HEADER_SCAN_ROWS = 10
DEFAULT_FLOORS = 6
CREATE_BATCH = 2000
UPDATE_BATCH = 5000

FLOOR_MIN, FLOOR_MAX = -5, 200  # the Household check constraint
FLOORS_MAX = 200  # the Building check constraint
AREA_LIMIT = Decimal("1000000")  # Household.floor_area: max_digits=8, decimal_places=2

CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected workbooks

REQUIRED = ("building", "unit", "room", "floor_area")

# Header names as people write them, compared after `_header_key` (NFKC, lower case,
# no spaces, underscores or trailing units).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "building": (
        "楼栋",
        "楼号",
        "楼栋号",
        "楼栋名称",
        "楼",
        "栋",
        "栋号",
        "幢",
        "幢号",
        "楼宇",
        "building",
        "buildingname",
    ),
    "unit": ("单元", "单元号", "单元名称", "unit", "unitname"),
    "room": ("房号", "房间号", "户号", "门牌号", "室号", "房屋编号", "room", "roomnumber", "roomno"),
    "floor": ("楼层", "所在楼层", "所在层", "层", "floor", "floorno"),
    "floor_area": ("建筑面积", "面积", "房屋面积", "住房面积", "产权面积", "floorarea", "area"),
    "floors": ("总层数", "楼层数", "层数", "总楼层", "楼栋层数", "floors", "buildingfloors", "totalfloors"),
}
HEADER_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
COLUMN_HINT = {
    "building": "楼栋/building",
    "unit": "单元/unit",
    "room": "房号/room",
    "floor": "楼层/floor",
    "floor_area": "建筑面积/floor_area",
    "floors": "总层数/floors",
}
FIELD_LABELS = {
    "building": gettext_lazy("building"),
    "unit": gettext_lazy("unit"),
    "room": gettext_lazy("room number"),
    "floor": gettext_lazy("floor"),
    "floor_area": gettext_lazy("floor area"),
    "floors": gettext_lazy("number of floors"),
}
NAME_MAX = {"building": 30, "unit": 30, "room": 20}


# ---------------------------------------------------------------------------------------
# Results


@dataclass
class RowError:
    """One problem in one row; `row` is the row number Excel shows (the header is row 1)."""

    row: int
    message: str
    sheet: str = ""
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "sheet": self.sheet, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    """What an import did, or (dry run, or bad rows) would have done."""

    dry_run: bool
    committed: bool = False
    rows: int = 0
    buildings_created: int = 0
    units_created: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "buildings_created": self.buildings_created,
            "units_created": self.units_created,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "error_count": self.error_count,
            "errors": [error.as_dict() for error in self.errors],
            "ignored_columns": self.ignored_columns,
        }


# ---------------------------------------------------------------------------------------
# The service


def import_households(
    estate: Estate, rows_or_file: Source, *, by: Person | None, dry_run: bool = False
) -> ImportResult:
    """Import the buildings, units and households of `estate` from a spreadsheet.

    `rows_or_file` is a path, a binary file (an upload) whose name ends in .xlsx or .csv, or
    an iterable of rows whose first row is the header. Existing buildings and units are
    matched by name (3号楼, 3单元), existing households by unit and room and updated (floor,
    floor area); the rest is created.

    Every row is checked first. A dry run, or a file with any bad row, writes nothing and
    returns the counts and the errors; otherwise everything is written in one transaction.
    A file that cannot be read at all raises `Invalid`.

    `by` is the person importing, who must be allowed to manage the estate. `by=None` means
    the system itself and is for the `import_households` management command only: every
    interface with a signed-in user passes that user.
    """
    if by is not None and not permissions.can_import_households(by, estate):
        raise NotAllowed(_("Only the community's staff can import households into this estate."))
    parsed = _read(rows_or_file)
    result = ImportResult(dry_run=dry_run, rows=parsed.data_rows, ignored_columns=parsed.ignored_columns)
    try:
        with transaction.atomic():
            if not dry_run:
                # One import per estate at a time: the plan below must still hold when written.
                list(Estate.objects.select_for_update().filter(pk=estate.pk).order_by().values_list("pk", flat=True))
            plan = _Plan.make(estate, parsed)
            result.buildings_created = len(plan.new_buildings)
            result.units_created = len(plan.new_units)
            result.households_created = len(plan.creates)
            result.households_updated = len(plan.updates)
            result.households_unchanged = plan.unchanged
            result.error_count = parsed.error_total
            result.errors = parsed.formatted_errors()
            if dry_run or not result.ok:
                return result
            plan.write(estate)
            result.committed = True
    except IntegrityError as exc:
        raise Conflict(
            _("The estate's registry changed while importing; nothing was imported. Please try again.")
        ) from exc
    return result


# ---------------------------------------------------------------------------------------
# Reading: files → tables → parsed rows


@dataclass(slots=True)
class _Row:
    sheet: int
    row: int
    building: str
    unit: str
    room: str
    floor: int
    floor_area: Decimal
    floors: int | None


@dataclass(slots=True)
class _Error:
    sheet: int
    row: int
    field: str
    template: str
    params: dict[str, Any]


@dataclass
class _Parsed:
    rows: list[_Row] = field(default_factory=list)
    errors: list[_Error] = field(default_factory=list)
    error_total: int = 0
    sheets: list[str] = field(default_factory=list)  # titles of the sheets that had data
    ignored_columns: list[str] = field(default_factory=list)
    data_rows: int = 0

    def error(self, sheet: int, row: int, field_name: str, template: str, **params: Any) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(_Error(sheet, row, field_name, template, params))

    def where(self, sheet: int, row: int, *, start: bool = True) -> str:
        if len(self.sheets) > 1:
            if start:
                return _("Sheet “%(sheet)s”, row %(row)s") % {"sheet": self.sheets[sheet], "row": row}
            return _("row %(row)s of sheet “%(sheet)s”") % {"sheet": self.sheets[sheet], "row": row}
        return (_("Row %(row)s") if start else _("row %(row)s")) % {"row": row}

    def formatted_errors(self) -> list[RowError]:
        multi = len(self.sheets) > 1
        out = []
        for e in sorted(self.errors, key=lambda e: (e.sheet, e.row)):
            out.append(
                RowError(
                    row=e.row,
                    message=e.template % {**e.params, "where": self.where(e.sheet, e.row)},
                    sheet=self.sheets[e.sheet] if multi else "",
                    field=e.field,
                )
            )
        return out


Table = tuple[str, Iterable[tuple[int, Sequence[Any]]]]  # sheet title, numbered rows


def _read(source: Source) -> _Parsed:
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with open(path, "rb") as f:
            return _read_file(f, path)
    if hasattr(source, "read"):
        return _read_file(source, str(getattr(source, "name", "") or ""))  # type: ignore[arg-type]
    return _parse([("", enumerate(source, start=1))])


def _size(f: Any) -> int:
    size = getattr(f, "size", None)
    if isinstance(size, int):
        return size
    position = f.tell()
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(position)
    return size


def _read_file(f: Any, name: str) -> _Parsed:
    raw = getattr(f, "file", f)  # a Django upload wraps the real file object
    size = _size(f)
    if size == 0:
        raise Invalid(_("The file is empty."), field="file")
    if size > MAX_FILE_BYTES:
        raise Invalid(
            _("The file is larger than %(max)s MB; split it into smaller files.")
            % {"max": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    extension = os.path.splitext(name)[1].lower()
    if extension == ".xls":
        raise Invalid(_old_excel_message(), field="file")
    if extension and extension not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
        raise Invalid(_only_spreadsheets_message(), field="file")
    raw.seek(0)
    head = raw.read(8)
    raw.seek(0)
    if head.startswith(ZIP_MAGIC):
        return _read_xlsx(raw)  # also an .xlsx saved under a .csv name
    if head.startswith(OLE2_MAGIC):
        raise Invalid(_old_excel_message(), field="file")
    if extension in XLSX_EXTENSIONS:
        raise Invalid(_damaged_workbook_message(), field="file")
    return _read_csv(raw)


def _only_spreadsheets_message() -> str:
    return _("Only Excel workbooks (.xlsx) and CSV files can be imported.")


def _old_excel_message() -> str:
    return _(
        "Old Excel files (.xls) and password-protected workbooks cannot be read. In Excel, choose "
        "“Save as” and pick “Excel Workbook (.xlsx)” or “CSV”, without a password."
    )


def _damaged_workbook_message() -> str:
    return _("The Excel file is damaged or is not an .xlsx workbook.")


def _csv_unreadable_message() -> str:
    return _(
        "The CSV file cannot be read. In Excel, choose “Save as” and pick “CSV UTF-8” or “Excel Workbook (.xlsx)”."
    )


def _read_csv(raw: Any) -> _Parsed:
    sample = raw.read(64 * 1024)
    raw.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in sample:
        raise Invalid(_only_spreadsheets_message(), field="file")
    else:
        # UTF-8 first (a GBK file fails it at once); Excel in China saves CSV as GBK.
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            delimiter = _delimiter(text.read(8192))
            text.seek(0)
            return _parse([("", enumerate(csv.reader(text, delimiter=delimiter), start=1))])
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise Invalid(_csv_unreadable_message(), field="file") from exc
        finally:
            text.detach()  # leave the caller's file open
    raise Invalid(_csv_unreadable_message(), field="file")


def _delimiter(sample: str) -> str:
    """Comma unless the sample clearly uses tabs or semicolons (Excel's other exports)."""
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _read_xlsx(raw: Any) -> _Parsed:
    try:
        with zipfile.ZipFile(raw) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Invalid(_damaged_workbook_message(), field="file") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise Invalid(_("The workbook is too large once unpacked; split it into smaller files."), field="file")
    raw.seek(0)
    import openpyxl  # openpyxl parses through defusedxml when it is installed (it is)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported" and the like
        try:
            workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise Invalid(_damaged_workbook_message(), field="file") from exc
        try:
            tables: list[Table] = [
                (sheet.title, _guarded(_sheet_rows(sheet)))
                for sheet in workbook.worksheets
                if getattr(sheet, "sheet_state", "visible") == "visible"
            ]
            return _parse(tables)
        finally:
            workbook.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, Sequence[Any]]]:
    # Some programs write a wrong <dimension>; read every row there is instead.
    sheet.reset_dimensions()
    return enumerate(sheet.iter_rows(values_only=True), start=1)


def _guarded(rows: Iterator[tuple[int, Sequence[Any]]]) -> Iterator[tuple[int, Sequence[Any]]]:
    """Turn any failure while streaming a broken workbook into a clear message."""
    while True:
        try:
            item = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise Invalid(_damaged_workbook_message(), field="file") from exc
        yield item


# ---------------------------------------------------------------------------------------
# Parsing rows


def _clean(value: Any) -> str:
    """Cell text: NFKC (full-width digits and letters to ASCII), no whitespace at all."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _header_key(value: Any) -> str:
    key = _clean(value).lower().replace("_", "").replace("-", "").rstrip("*")
    key = re.sub(r"[(\[（【].*[)\]）】]$", "", key)  # 建筑面积(m²), 面积【平方米】
    return re.sub(r"(m2|平方米|平米)$", "", key)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Header:
    columns: dict[str, int]
    ignored: list[str]


def _match_header(cells: Sequence[Any]) -> tuple[_Header, list[tuple[str, str, str]]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    duplicates: list[tuple[str, str, str]] = []
    for index, cell in enumerate(cells):
        if _is_blank(cell):
            continue
        name = HEADER_FIELD.get(_header_key(cell))
        if name is None:
            ignored.append(str(cell).strip())
        elif name in columns:
            duplicates.append((name, str(cells[columns[name]]).strip(), str(cell).strip()))
        else:
            columns[name] = index
    return _Header(columns, ignored), duplicates


def _parse(tables: Iterable[Table]) -> _Parsed:
    parsed = _Parsed()
    best: dict[str, int] = {}
    sheet_index = -1
    for title, rows in tables:
        header: _Header | None = None
        scanned = 0
        for number, cells in rows:
            if header is None:
                if all(_is_blank(cell) for cell in cells):
                    continue
                candidate, duplicates = _match_header(cells)
                if all(name in candidate.columns for name in REQUIRED):
                    if duplicates:
                        name, first, second = duplicates[0]
                        raise Invalid(
                            _("Two columns hold the %(field)s: “%(first)s” and “%(second)s”. Keep one of them.")
                            % {"field": FIELD_LABELS[name], "first": first, "second": second},
                            field="file",
                        )
                    header = candidate
                    parsed.sheets.append(title)
                    sheet_index += 1
                    parsed.ignored_columns.extend(c for c in candidate.ignored if c not in parsed.ignored_columns)
                    continue
                if len(candidate.columns) > len(best):
                    best = candidate.columns
                scanned += 1
                if scanned >= HEADER_SCAN_ROWS:
                    break
                continue
            values = {name: (cells[i] if i < len(cells) else None) for name, i in header.columns.items()}
            if all(_is_blank(v) for v in values.values()):
                continue
            parsed.data_rows += 1
            if parsed.data_rows > MAX_ROWS:
                raise Invalid(
                    _("The file has more than %(max)s rows; split it into smaller files.") % {"max": f"{MAX_ROWS:,}"},
                    field="file",
                )
            row = _parse_row(parsed, sheet_index, number, values)
            if row is not None:
                parsed.rows.append(row)
    if not parsed.sheets:
        if best:
            missing = [COLUMN_HINT[name] for name in REQUIRED if name not in best]
            raise Invalid(_("The file has no column for: %(columns)s.") % {"columns": "、".join(missing)}, field="file")
        raise Invalid(
            _(
                "No header row was found. The first row must name the columns, for example "
                "楼栋, 单元, 房号, 楼层, 建筑面积 (or building, unit, room, floor, floor_area)."
            ),
            field="file",
        )
    if parsed.data_rows == 0:
        raise Invalid(_("The file has no rows to import under its header."), field="file")
    return parsed


def _is_date(value: Any) -> bool:
    return isinstance(value, datetime | date | time)


def _parse_row(parsed: _Parsed, sheet: int, number: int, values: dict[str, Any]) -> _Row | None:
    errors_before = parsed.error_total

    def bad(field_name: str, template: str, **params: Any) -> None:
        parsed.error(sheet, number, field_name, template, **params)

    names: dict[str, str] = {}
    for name in ("building", "unit", "room"):
        value = values.get(name)
        if _is_blank(value):
            bad(name, _("%(where)s: the %(field)s is missing."), field=FIELD_LABELS[name])
            continue
        if _is_date(value):
            bad(
                name,
                _("%(where)s: the %(field)s looks like a date; format the column as text in Excel and type it again."),
                field=FIELD_LABELS[name],
            )
            continue
        text = NORMALISE[name](_clean(value))
        if len(text) > NAME_MAX[name]:
            bad(
                name,
                _("%(where)s: the %(field)s “%(value)s” is longer than %(max)s characters."),
                field=FIELD_LABELS[name],
                value=text,
                max=NAME_MAX[name],
            )
            continue
        names[name] = text

    floor = _parse_floor(values.get("floor"), names.get("room"), bad)
    floor_area = _parse_area(values.get("floor_area"), bad)
    floors = _parse_floors(values.get("floors"), bad)

    if parsed.error_total > errors_before or floor is None or floor_area is None:
        return None
    return _Row(
        sheet=sheet,
        row=number,
        building=names["building"],
        unit=names["unit"],
        room=names["room"],
        floor=floor,
        floor_area=floor_area,
        floors=floors,
    )


def _room_name(text: str) -> str:
    """501室 and 501号 are room 501."""
    match = re.fullmatch(r"(\d+)[室号]", text)
    return match.group(1) if match else text


def _normal_building(name: str) -> str:
    """3, 03, 3#, 3号, 3栋, 3幢 → 3号楼; other names as written, without spaces."""
    text = _clean(name)
    match = re.fullmatch(r"(\d+)(?:#|#楼|号|号楼|栋|幢|号栋|号幢)?", text)
    return f"{int(match.group(1))}号楼" if match else text


def _normal_unit(name: str) -> str:
    """3, 03 → 3单元; other names as written, without spaces."""
    text = _clean(name)
    match = re.fullmatch(r"(\d+)(?:单元)?", text)
    return f"{int(match.group(1))}单元" if match else text


NORMALISE = {"building": _normal_building, "unit": _normal_unit, "room": _room_name}


def _floor_from_room(room: str | None) -> int | None:
    """501 → 5, 1203 → 12, 3-501 → 5; None when the room number does not say."""
    if not room:
        return None
    match = re.search(r"(?:^|-)(\d{1,2})(\d{2})$", room)
    if not match:
        return None
    floor = int(match.group(1))
    return floor if floor > 0 else None


def _parse_floor(value: Any, room: str | None, bad: Callable[..., None]) -> int | None:
    if _is_blank(value):
        floor = _floor_from_room(room)
        if floor is None:
            if room is not None:
                bad(
                    "floor",
                    _("%(where)s: the floor is missing and cannot be read from room number “%(room)s”."),
                    room=room,
                )
            return None
    else:
        floor = _whole_number(value, suffixes=("层", "楼", "f"))
        if floor is None:
            bad("floor", _("%(where)s: the floor must be a whole number, not “%(value)s”."), value=_shown(value))
            return None
    if floor == 0 or not FLOOR_MIN <= floor <= FLOOR_MAX:
        bad(
            "floor",
            _("%(where)s: floor %(floor)s does not exist; use 1 to %(max)s, or -1 to %(min)s for basements."),
            floor=floor,
            max=FLOOR_MAX,
            min=FLOOR_MIN,
        )
        return None
    return floor


def _whole_number(value: Any, *, suffixes: tuple[str, ...] = ()) -> int | None:
    if isinstance(value, bool) or _is_date(value):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _clean(value).lower()
    for suffix in suffixes:
        text = text.removesuffix(suffix)
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else None


def _shown(value: Any) -> str:
    return _clean(value) if not isinstance(value, str) else value.strip()


def _parse_area(value: Any, bad: Callable[..., None]) -> Decimal | None:
    if _is_blank(value):
        bad("floor_area", _("%(where)s: the %(field)s is missing."), field=FIELD_LABELS["floor_area"])
        return None
    area: Decimal | None
    if isinstance(value, bool) or _is_date(value):
        area = None
    elif isinstance(value, int | Decimal):
        area = Decimal(value)
    elif isinstance(value, float):
        # Excel stores 78.55 as 78.55000000000001 after arithmetic; six places keep real decimals.
        area = Decimal(repr(round(value, 6)))
    else:
        text = re.sub(r"(m2|平方米|平米|平)$", "", _clean(value).lower())
        try:
            area = Decimal(text)
        except InvalidOperation:
            area = None
    if area is None or not area.is_finite() or area <= 0:
        bad(
            "floor_area",
            _("%(where)s: the floor area must be a positive number, not “%(value)s”."),
            value=_shown(value),
        )
        return None
    exponent = area.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        bad(
            "floor_area",
            _("%(where)s: the floor area %(value)s has more than 2 decimal places."),
            value=_shown(value),
        )
        return None
    if area >= AREA_LIMIT:
        bad("floor_area", _("%(where)s: the floor area %(value)s m² is too large."), value=_shown(value))
        return None
    return area.quantize(Decimal("0.01"))


def _parse_floors(value: Any, bad: Callable[..., None]) -> int | None:
    if _is_blank(value):
        return None
    floors = _whole_number(value, suffixes=("层",))
    if floors is None or not 1 <= floors <= FLOORS_MAX:
        bad(
            "floors",
            _("%(where)s: the number of floors must be a whole number from 1 to %(max)s, not “%(value)s”."),
            max=FLOORS_MAX,
            value=_shown(value),
        )
        return None
    return floors


# ---------------------------------------------------------------------------------------
# Planning against the registry, and writing


@dataclass
class _Plan:
    new_buildings: dict[str, int]  # name -> floors
    new_units: set[tuple[str, str]]
    creates: list[_Row]
    updates: list[tuple[int, _Row]]  # household id, row
    unchanged: int
    building_ids: dict[str, int]
    unit_ids: dict[tuple[str, str], int]

    @classmethod
    def make(cls, estate: Estate, parsed: _Parsed) -> _Plan:
        """Check the rows against each other and the registry (three queries), and sort
        them into households to create, to update and to leave alone."""
        buildings: dict[str, Building] = {}
        # Exact names win over names that only normalise alike ("3" vs "3号楼").
        for building in sorted(
            Building.objects.filter(estate=estate).order_by().only("id", "name", "floors"),
            key=lambda b: _normal_building(b.name) == b.name,
        ):
            buildings[_normal_building(building.name)] = building
        unit_ids: dict[tuple[str, str], int] = {}
        names_by_building_id = {b.pk: name for name, b in buildings.items()}
        for unit_id, building_id, name in sorted(
            Unit.objects.filter(building__estate=estate).order_by().values_list("id", "building_id", "name"),
            key=lambda u: _normal_unit(u[2]) == u[2],
        ):
            if building_id in names_by_building_id:
                unit_ids[(names_by_building_id[building_id], _normal_unit(name))] = unit_id
        households: dict[tuple[int, str], tuple[int, int, Decimal]] = {}
        existing_households = (
            Household.objects.filter(unit__building__estate=estate)
            .order_by()
            .values_list("id", "unit_id", "room", "floor", "floor_area")
        )
        for household_id, unit_id, room, floor, area in existing_households:
            households[(unit_id, _room_name(_clean(room)))] = (household_id, floor, area)

        # The top floor of each building: as registered, else as the file says, else the
        # highest floor seen (at least the usual six of an old walk-up).
        declared: dict[str, tuple[int, _Row]] = {}
        highest: dict[str, int] = {}
        rows: list[_Row] = []
        for row in parsed.rows:
            highest[row.building] = max(highest.get(row.building, DEFAULT_FLOORS), row.floor)
            if row.floors is None:
                rows.append(row)
                continue
            existing = buildings.get(row.building)
            first = declared.get(row.building)
            if existing is not None and existing.floors != row.floors:
                parsed.error(
                    row.sheet,
                    row.row,
                    "floors",
                    _(
                        "%(where)s: %(building)s is registered with %(top)s floors, but the file says %(floors)s. "
                        "Correct the building or the file."
                    ),
                    building=row.building,
                    top=existing.floors,
                    floors=row.floors,
                )
                continue
            if first is not None and first[0] != row.floors:
                parsed.error(
                    row.sheet,
                    row.row,
                    "floors",
                    _("%(where)s: %(building)s has %(floors)s floors here but %(first_floors)s at %(first)s."),
                    building=row.building,
                    floors=row.floors,
                    first_floors=first[0],
                    first=parsed.where(first[1].sheet, first[1].row, start=False),
                )
                continue
            declared.setdefault(row.building, (row.floors, row))
            rows.append(row)
        top = {
            name: buildings[name].floors if name in buildings else declared.get(name, (highest[name],))[0]
            for name in highest
        }

        seen: dict[tuple[str, str, str], _Row] = {}
        plan = cls(new_buildings={}, new_units=set(), creates=[], updates=[], unchanged=0, building_ids={}, unit_ids={})
        for row in rows:
            key = (row.building, row.unit, row.room)
            first_row = seen.get(key)
            if first_row is not None:
                parsed.error(
                    row.sheet,
                    row.row,
                    "room",
                    _("%(where)s: %(building)s%(unit)s room %(room)s appears twice in the file (also at %(first)s)."),
                    building=row.building,
                    unit=row.unit,
                    room=row.room,
                    first=parsed.where(first_row.sheet, first_row.row, start=False),
                )
                continue
            seen[key] = row
            if row.floor > top[row.building]:
                parsed.error(
                    row.sheet,
                    row.row,
                    "floor",
                    _("%(where)s: floor %(floor)s is above the top floor (%(top)s) of %(building)s."),
                    floor=row.floor,
                    top=top[row.building],
                    building=row.building,
                )
                continue
            building = buildings.get(row.building)
            if building is None:
                plan.new_buildings[row.building] = top[row.building]
            unit_id = unit_ids.get((row.building, row.unit))
            if unit_id is None:
                plan.new_units.add((row.building, row.unit))
                plan.creates.append(row)
                continue
            existing_household = households.get((unit_id, row.room))
            if existing_household is None:
                plan.creates.append(row)
            elif (existing_household[1], existing_household[2]) == (row.floor, row.floor_area):
                plan.unchanged += 1
            else:
                plan.updates.append((existing_household[0], row))
        plan.building_ids = {name: b.pk for name, b in buildings.items()}
        plan.unit_ids = unit_ids
        return plan

    def write(self, estate: Estate) -> None:
        """Write the plan: one query per batch of households, none per row."""
        created = Building.objects.bulk_create(
            [Building(estate=estate, name=name, floors=floors) for name, floors in self.new_buildings.items()]
        )
        self.building_ids.update({b.name: b.pk for b in created})
        units = Unit.objects.bulk_create(
            [Unit(building_id=self.building_ids[b], name=u) for b, u in sorted(self.new_units)]
        )
        names = {pk: name for name, pk in self.building_ids.items()}
        self.unit_ids.update({(names[u.building_id], u.name): u.pk for u in units})

        new = (
            Household(
                unit_id=self.unit_ids[(row.building, row.unit)],
                room=row.room,
                floor=row.floor,
                floor_area=row.floor_area,
            )
            for row in self.creates
        )
        for batch in _batches(new, CREATE_BATCH):
            Household.objects.bulk_create(batch)

        _update_households(self.updates)


def _update_households(updates: list[tuple[int, _Row]]) -> None:
    now = timezone.now()  # neither path below touches auto_now fields itself
    if connection.vendor != "postgresql":
        changed = (Household(pk=pk, floor=row.floor, floor_area=row.floor_area, updated_at=now) for pk, row in updates)
        for batch in _batches(changed, UPDATE_BATCH):
            Household.objects.bulk_update(batch, ["floor", "floor_area", "updated_at"])
        return
    # bulk_update writes a CASE with a branch per row, which PostgreSQL evaluates for every
    # row (100,000 updates took a minute); joining on unnested arrays takes a few seconds.
    quote = connection.ops.quote_name
    meta = Household._meta
    column = {name: quote(meta.get_field(name).column) for name in ("id", "floor", "floor_area", "updated_at")}
    sql = (
        f"UPDATE {quote(meta.db_table)} AS h SET {column['floor']} = v.floor, "  # noqa: S608 (names from the model)
        f"{column['floor_area']} = v.floor_area, {column['updated_at']} = %s "
        "FROM unnest(%s::bigint[], %s::smallint[], %s::numeric[]) AS v(id, floor, floor_area) "
        f"WHERE h.{column['id']} = v.id"
    )
    with connection.cursor() as cursor:
        for batch in _batches(updates, UPDATE_BATCH):
            ids = [pk for pk, _ in batch]
            cursor.execute(sql, [now, ids, [row.floor for _, row in batch], [row.floor_area for _, row in batch]])


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
