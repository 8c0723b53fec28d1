"""Import households, retail licences and planting contracts from xlsx or csv with Chinese headers.

All or nothing: every row is checked first; any bad row means nothing is written and the report
names every bad row, column and reason. Column order is free; a title row above the header, numbers
stored as Excel numbers, Excel dates, 2024年3月5日 and 2024/3/5, full-width digits and stray spaces
are all understood.

Read as a stream, within bounded memory: at most settings.IMPORT_MAX_ROWS rows below the header (a
setting: IMPORT_MAX_ROWS); a longer file is refused as soon as the reading passes the limit, and a
workbook that declares more rows is refused before any is read."""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanwen.clients import rules
from sanwen.clients.models import (
    ApplicationKind,
    BusinessFormat,
    Household,
    HouseholdKind,
    ImportRun,
    ImportStatus,
    LicenceApplication,
    MarketType,
    PlantingContract,
    RetailLicence,
)
from sanwen.clients.services import household_search_key
from sanwen.core.audit import audit_bulk_create, audit_note, audit_update, snapshot
from sanwen.core.models import AuditAction
from sanwen.core.text import (
    clean_spaces,
    digits,
    fold,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)
from sanwen.core.xlsx import safe_row  # rejected values are the uploader's text: never formulas
from sanwen.org.models import Place, PlaceLevel

# canonical name → (the template's header, other headers seen in county spreadsheets)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kind": ("类型", ("客户类型", "户类型", "类别")),
    "name": ("姓名/经营者", ("姓名", "经营者", "户主", "户主姓名", "负责人", "经营者姓名", "烟农姓名")),
    "phone": ("手机号码", ("手机", "手机号", "联系电话", "电话", "联系方式")),
    "id_number": ("身份证号", ("身份证号码", "身份证", "公民身份号码")),
    "credit_code": ("统一社会信用代码", ("信用代码", "社会信用代码")),
    "township": ("乡镇", ("乡(镇)", "镇", "乡", "所属乡镇", "乡镇(街道)")),
    "village": ("村", ("村委", "村委会", "行政村", "所属村", "村(社区)")),
    "address": ("地址", ("经营地址", "住址", "家庭住址", "详细地址")),
    "licence_number": ("许可证号", ("许可证号码", "专卖许可证号", "零售许可证号", "证号")),
    "business_name": ("企业名称", ("店名", "字号", "企业(字号)名称", "商店名称")),
    "valid_from": ("有效期起", ("有效期自", "有效期开始", "发证日期", "有效期限起")),
    "valid_to": ("有效期止", ("有效期至", "有效期结束", "有效期限止", "到期日期")),
    "supplier": ("供货单位", ()),
    "scope": ("经营范围", ()),
    "issuer": ("发证机关", ()),
    "market_type": ("市场类型", ("城乡类型", "城乡")),
    "business_format": ("业态", ("经营业态",)),
    "area_mu": ("种植面积(亩)", ("种植面积", "面积(亩)", "合同面积(亩)", "面积", "合同面积")),
    "year": ("合同年度", ("年度", "种植年度")),
    "contracted_kg": ("合同收购量(公斤)", ("合同量(公斤)", "合同量(kg)", "收购量(公斤)", "合同收购量")),
    "variety": ("品种", ("烟叶品种",)),
    "barns": ("烤房(座)", ("烤房", "烤房数")),
}

# The template's columns, in its order (the demo writes its spreadsheet with them too).
TEMPLATE_COLUMNS = (
    "kind",
    "name",
    "phone",
    "id_number",
    "credit_code",
    "township",
    "village",
    "address",
    "licence_number",
    "business_name",
    "valid_from",
    "valid_to",
    "supplier",
    "market_type",
    "business_format",
    "area_mu",
    "year",
    "contracted_kg",
    "variety",
    "barns",
)

KIND_WORDS = {
    HouseholdKind.FARMER: {"烟农", "农户", "种植户", "烟叶种植户", "farmer"},
    HouseholdKind.RETAILER: {"零售户", "卷烟零售户", "零售客户", "客户", "零售商户", "retailer"},
}
MARKET_WORDS = {
    "城镇": MarketType.URBAN,
    "城市": MarketType.URBAN,
    "乡村": MarketType.RURAL,
    "农村": MarketType.RURAL,
}
FORMAT_WORDS = {
    "食杂": BusinessFormat.GROCERY,
    "食杂店": BusinessFormat.GROCERY,
    "便利": BusinessFormat.CONVENIENCE,
    "便利店": BusinessFormat.CONVENIENCE,
    "超市": BusinessFormat.SUPERMARKET,
    "烟酒": BusinessFormat.TOBACCO_LIQUOR,
    "烟酒店": BusinessFormat.TOBACCO_LIQUOR,
    "娱乐服务": BusinessFormat.ENTERTAINMENT,
    "娱乐": BusinessFormat.ENTERTAINMENT,
    "餐饮": BusinessFormat.CATERING,
    "其他": BusinessFormat.OTHER,
}
HEADER_SCAN_ROWS = 15
PROGRESS_EVERY = 500
# Columns read from each spreadsheet row (the template has 20): a sheet that declares thousands of
# columns is not padded out to them.
MAX_COLUMNS = 100
# Unpacked bytes allowed per row of the limit, for any part of an xlsx and for its shared strings
# (which openpyxl reads whole): generous for real names and addresses (a 20,000-row file holds a few MB).
PART_BYTES_PER_ROW = 4096
SHARED_TEXT_PER_ROW = 1024
# The start of a row element in a worksheet's XML (any namespace prefix).
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row[\s/>]")


def _header_key(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = re.sub(r"[\s*※：:]", "", text)
    return fold(text)


_ALIASES = {}
for _canonical, (_label, _others) in COLUMNS.items():
    for _alias in (_label, *_others):
        _ALIASES[_header_key(_alias)] = _canonical


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ParsedRow:
    number: int
    kind: str
    household: dict
    licence: dict | None = None
    contract: dict | None = None
    match_key: tuple = ()


@dataclass
class Outcome:
    run: ImportRun
    errors: list[RowError] = field(default_factory=list)


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header row)."""


# --- reading ------------------------------------------------------------------------------


def read_table(filename: str, content: bytes, *, max_rows: int) -> list[list]:
    """The rows of the first sheet (or of the CSV file), read as a stream: at most `max_rows` rows
    below the title and header rows; a longer file is refused as soon as the reading passes that."""
    name = filename.lower()
    cap = max_rows + HEADER_SCAN_ROWS
    if name.endswith((".xlsx", ".xlsm")):
        return _at_most(_xlsx_rows(content, cap, max_rows), cap, max_rows)
    if name.endswith((".csv", ".txt")):
        return _at_most(_csv_rows(content), cap, max_rows)
    raise ImportFileError(_("Upload an .xlsx or .csv file."))


def too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)d rows; import at most %(max)d rows at a time (split the file).")
        % {"max": max_rows}
    )


def _at_most(rows: Iterable[list], cap: int, max_rows: int) -> list[list]:
    kept: list[list] = []
    for row in rows:
        if len(kept) == cap:
            raise too_many_rows(max_rows)
        kept.append(row)
    return kept


def _xlsx_rows(content: bytes, cap: int, max_rows: int) -> Iterator[list]:
    import openpyxl

    unreadable = _("The file could not be read as an Excel workbook (.xlsx).")
    try:
        _check_parts(content, cap, max_rows)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(unreadable) from exc
    try:
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > cap:  # the sheet says how many rows it holds: refused unread
            raise too_many_rows(max_rows)
        for row in sheet.iter_rows(
            max_col=min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS), values_only=True
        ):
            yield list(row)
    except ImportFileError:
        raise
    except Exception as exc:  # a part that is not what it claims (bad XML, a wrong checksum)
        raise ImportFileError(unreadable) from exc
    finally:
        book.close()


def _check_parts(content: bytes, cap: int, max_rows: int) -> None:
    """Before openpyxl opens the workbook, which reads a sheet that does not declare its size to its end
    just to learn it: every part's unpacked size is bounded, and no part holds more than `cap` rows,
    counted in its XML as it unpacks (a part is read no further than the row past the limit)."""
    allowed = max(max_rows, 1000)
    too_large = ImportFileError(
        _("The workbook unpacks to more than an import of at most %(max)d rows can hold; split the file.")
        % {"max": max_rows}
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            # Declared sizes bind: zipfile reads a part no further than its declared size.
            per_row = SHARED_TEXT_PER_ROW if "sharedstrings" in info.filename.lower() else PART_BYTES_PER_ROW
            if info.file_size > allowed * per_row:
                raise too_large
            if not info.filename.lower().endswith(".xml"):
                continue
            rows, tail = 0, b""
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    data = tail + chunk
                    # A match lying wholly in the tail was counted with the previous chunk.
                    rows += sum(1 for m in _ROW_START.finditer(data) if m.end() > len(tail))
                    if rows > cap:
                        raise too_many_rows(max_rows)
                    tail = data[-64:]


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether the whole file is text in this encoding, checked a megabyte at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(content: bytes) -> Iterator[list]:
    encoding = next((e for e in ("utf-8-sig", "gb18030") if _decodes(content, e)), None)
    if encoding is None:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
    # Tabs and commas are single bytes in both encodings (never part of a GB18030 character).
    dialect = csv.excel_tab if content.count(b"\t") > content.count(b",") else csv.excel
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    try:
        yield from csv.reader(text, dialect)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file could not be read: %(error)s") % {"error": exc}) from exc


def find_header(rows: list[list]) -> tuple[int, dict[int, str], dict[str, str]]:
    """The header is the first row (of the first few) that names a name column and another known one."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping, labels = {}, {}
        for col, cell in enumerate(row):
            canonical = _ALIASES.get(_header_key(cell))
            if canonical and canonical not in labels:
                mapping[col] = canonical
                labels[canonical] = clean_spaces(str(cell))
        if "name" in labels and len(labels) >= 2:
            return index, mapping, labels
    raise ImportFileError(
        _(
            "No header row found. The first rows must include a header such as 类型, 姓名/经营者, 手机号码, 乡镇, 村."
        )
    )


# --- cell parsing -------------------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return clean_spaces(str(value))


_DATE_RE = re.compile(r"^(\d{4})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 20000 <= value <= 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_RE.match(text)
    if match:
        try:
            return datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    if re.fullmatch(r"\d{5}(\.0+)?", text) and 20000 <= float(text) <= 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    raise ValueError


def parse_decimal(value) -> Decimal:
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").replace("亩", "").strip()
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return number


# --- place lookup -------------------------------------------------------------------------

_SUFFIXES = ("瑶族乡", "民族乡", "街道", "镇", "乡", "村民委员会", "村委会", "村委", "社区", "村")


def _variants(name: str) -> set[str]:
    key = fold(name)
    found = {key}
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            found.add(key[: -len(suffix)])
    return found


class PlaceIndex:
    def __init__(self, bureau):
        places = list(
            Place.objects.within(bureau.area.code)
            .filter(level__in=[PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE])
            .select_related("parent")
        )
        self.townships: dict[str, Place] = {}
        self.villages: dict[tuple[int, str], Place] = {}
        for place in places:
            if place.level == PlaceLevel.TOWNSHIP:
                for v in _variants(place.name) | ({place.code} if place.code else set()):
                    self.townships[v] = place
        for place in places:
            if place.level == PlaceLevel.TOWNSHIP:
                continue
            township_id = (
                place.parent_id if place.parent.level == PlaceLevel.TOWNSHIP else place.parent.parent_id
            )
            for v in _variants(place.name) | ({place.code} if place.code else set()):
                self.villages[(township_id, v)] = place

    def township(self, text: str) -> Place | None:
        key = fold(text)
        return self.townships.get(key) or next(
            (self.townships[v] for v in _variants(text) if v in self.townships), None
        )

    def village(self, township: Place, text: str) -> Place | None:
        return next(
            (self.villages[(township.id, v)] for v in _variants(text) if (township.id, v) in self.villages),
            None,
        )


# --- the import ---------------------------------------------------------------------------


def _parse_row(
    number, cells, labels, places: PlaceIndex, area_code, today
) -> tuple[ParsedRow | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(column, value, reason):
        errors.append(RowError(number, labels.get(column, COLUMNS[column][0]), cell_text(value), str(reason)))

    text = {k: cell_text(v) for k, v in cells.items()}
    # Kind: explicit, or inferred from a licence number or a planted area.
    kind = None
    if text.get("kind"):
        kind = next((k for k, words in KIND_WORDS.items() if fold(text["kind"]) in words), None)
        if kind is None:
            bad("kind", cells["kind"], _("The kind is 烟农 (farmer) or 零售户 (retailer)."))
    elif text.get("licence_number"):
        kind = HouseholdKind.RETAILER
    elif text.get("area_mu"):
        kind = HouseholdKind.FARMER
    else:
        bad("kind", "", _("The kind is missing: write 烟农 or 零售户."))

    household = {"kind": kind, "name": text.get("name", ""), "address": text.get("address", "")}
    if not household["name"]:
        bad("name", "", _("The name is required."))
    elif len(household["name"]) > 32:
        bad("name", cells["name"], _("A name has at most 32 characters."))

    for column, check in (
        ("phone", validate_mobile),
        ("id_number", validate_resident_id),
        ("credit_code", validate_credit_code),
    ):
        raw = cells.get(column)
        household[column] = ""
        if text.get(column):
            try:
                household[column] = check(text[column])
            except ValidationError as exc:
                reason = exc.messages[0]
                if isinstance(raw, float) and column != "phone":
                    reason += " " + _(
                        "The cell holds a number, which loses digits: format the column as text."
                    )
                bad(column, raw, reason)

    township = None
    if not text.get("township"):
        bad("township", "", _("The township is required."))
    else:
        township = places.township(text["township"])
        if township is None:
            bad("township", cells["township"], _("No such township in the bureau's area."))
    household["township"] = township
    household["village"] = None
    if text.get("village") and township is not None:
        household["village"] = places.village(township, text["village"])
        if household["village"] is None:
            bad(
                "village",
                cells["village"],
                _("No such village in %(township)s.") % {"township": township.name},
            )
    if text.get("market_type"):
        household["market_type"] = MARKET_WORDS.get(fold(text["market_type"]))
        if household["market_type"] is None:
            bad("market_type", cells["market_type"], _("The market type is 城镇 or 乡村."))
    if text.get("business_format"):
        household["business_format"] = FORMAT_WORDS.get(fold(text["business_format"]))
        if household["business_format"] is None:
            bad(
                "business_format",
                cells["business_format"],
                _("Unknown business format; use 食杂, 便利, 超市, 烟酒, 娱乐服务, 餐饮 or 其他."),
            )

    licence = contract = None
    if kind == HouseholdKind.RETAILER:
        licence = {}
        if not text.get("licence_number"):
            bad("licence_number", "", _("A retailer row needs its licence number."))
        else:
            try:
                licence["number"] = rules.clean_licence_number(
                    text["licence_number"],
                    area_code=area_code,
                    county_code=rules.county_code_of(household.get("township"), household.get("village")),
                )
            except ValidationError as exc:
                bad("licence_number", cells["licence_number"], exc.messages[0])
        for column in ("valid_from", "valid_to"):
            if not text.get(column):
                bad(column, "", _("A retailer row needs the licence's validity dates."))
                continue
            try:
                licence[column] = parse_date(cells[column])
            except ValueError:
                bad(column, cells[column], _("Not a date; write it as 2024-03-05, 2024/3/5 or 2024年3月5日."))
        if "valid_from" in licence and "valid_to" in licence:
            try:
                rules.clean_term(licence["valid_from"], licence["valid_to"])
            except ValidationError as exc:
                bad("valid_to", cells["valid_to"], exc.messages[0])
        for column in ("business_name", "supplier", "scope", "issuer"):
            licence[column] = text.get(column, "")
    if text.get("area_mu") or text.get("year"):
        if kind == HouseholdKind.RETAILER:
            bad("area_mu", cells.get("area_mu", ""), _("Only a farmer row has a planting contract."))
        else:
            contract = {"variety": text.get("variety", ""), "barns": 0, "contracted_kg": None}
            try:
                contract["area_mu"] = parse_decimal(cells.get("area_mu")).quantize(Decimal("0.1"))
                if not 0 < contract["area_mu"] <= 10000:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                bad(
                    "area_mu",
                    cells.get("area_mu", ""),
                    _("The planted area is a positive number of mu, e.g. 12.5."),
                )
            year_text = digits(text.get("year", "")).removesuffix("年")
            if not re.fullmatch(r"\d{4}", year_text) or not 2000 <= int(year_text) <= today.year + 1:
                bad(
                    "year",
                    cells.get("year", ""),
                    _("The contract year is a four-digit year, e.g. %(y)d.") % {"y": today.year},
                )
            else:
                contract["year"] = int(year_text)
            for column in ("contracted_kg", "barns"):
                if text.get(column):
                    try:
                        value = parse_decimal(cells[column])
                        if value < 0 or value != value.to_integral_value():
                            raise InvalidOperation
                        contract[column] = int(value)
                    except (InvalidOperation, ValueError):
                        bad(column, cells[column], _("A whole number is expected."))
    if errors:
        return None, errors
    return ParsedRow(number=number, kind=kind, household=household, licence=licence, contract=contract), []


def _match_key(row: ParsedRow) -> tuple:
    h = row.household
    if row.kind == HouseholdKind.RETAILER:
        return ("licence", row.licence["number"])
    if h["id_number"]:
        return ("id", h["id_number"])
    if h["phone"]:
        return ("phone", fold(h["name"]), h["phone"])
    return ("village", fold(h["name"]), h["township"].id, h["village"].id if h["village"] else None)


# What a re-import may change on a household it matches (never its name or kind).
UPDATABLE = ("phone", "id_number", "credit_code", "address", "village", "township")


def _existing_index(bureau) -> dict[tuple, Household]:
    index: dict[tuple, Household] = {}
    for h in Household.objects.filter(bureau=bureau, kind=HouseholdKind.FARMER).only(
        "id", "name", "phone", "id_number", "township_id", "village_id", "kind", "bureau_id"
    ):
        if h.id_number:
            index[("id", h.id_number)] = h
        if h.phone:
            index[("phone", fold(h.name), h.phone)] = h
        index.setdefault(("village", fold(h.name), h.township_id, h.village_id), h)
    for lic in RetailLicence.objects.filter(bureau=bureau).select_related("household"):
        index[("licence", lic.number)] = lic.household
    return index


def clients_import(
    *,
    bureau,
    by,
    filename: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
    today: datetime.date | None = None,
) -> Outcome:
    """Check every row; write all of them in one transaction, or none and report every error."""
    today = today or datetime.date.today()
    run = ImportRun(bureau=bureau, by=by if getattr(by, "pk", None) else None, filename=filename[:200])
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        rows = read_table(filename, content, max_rows=max_rows)
        header_index, mapping, labels = find_header(rows)
        if len(rows) - header_index - 1 > max_rows:
            raise too_many_rows(max_rows)
    except ImportFileError as exc:
        return _fail(run, [RowError(0, "", "", str(exc))])

    errors: list[RowError] = []
    missing = [COLUMNS[c][0] for c in ("name", "township") if c not in labels]
    if missing:
        errors.append(
            RowError(
                header_index + 1,
                "",
                "",
                _("Required columns are missing: %(cols)s.") % {"cols": "、".join(missing)},
            )
        )
        return _fail(run, errors)

    places = PlaceIndex(bureau)
    body = rows[header_index + 1 :]
    parsed: list[ParsedRow] = []
    seen_licences: dict[str, int] = {}
    seen_contracts: dict[tuple, int] = {}
    for offset, raw in enumerate(body):
        number = header_index + 2 + offset  # 1-based spreadsheet row
        cells = {canonical: raw[col] for col, canonical in mapping.items() if col < len(raw)}
        if all(cell_text(v) == "" for v in cells.values()):
            continue
        row, row_errors = _parse_row(number, cells, labels, places, bureau.area.code, today)
        errors.extend(row_errors)
        if row is not None:
            row.match_key = _match_key(row)
            if row.licence:
                first = seen_licences.setdefault(row.licence["number"], number)
                if first != number:
                    errors.append(
                        RowError(
                            number,
                            labels.get("licence_number", "许可证号"),
                            row.licence["number"],
                            _("The same licence number is on row %(row)d.") % {"row": first},
                        )
                    )
            if row.contract:
                first = seen_contracts.setdefault((row.match_key, row.contract["year"]), number)
                if first != number:
                    errors.append(
                        RowError(
                            number,
                            labels.get("year", "合同年度"),
                            str(row.contract["year"]),
                            _("Row %(row)d already gives this household's contract for the year.")
                            % {"row": first},
                        )
                    )
            parsed.append(row)
        if progress and (offset + 1) % PROGRESS_EVERY == 0:
            progress(offset + 1, len(body))
    if progress:
        progress(len(body), len(body))
    run.total_rows = len(parsed) + len({e.row for e in errors if e.row > header_index + 1})
    if not parsed and not errors:
        errors.append(RowError(header_index + 2, "", "", _("The file has a header but no rows.")))
    existing = _existing_index(bureau)
    other_licences = set(
        RetailLicence.objects.exclude(bureau=bureau)
        .filter(number__in=[r.licence["number"] for r in parsed if r.licence])
        .values_list("number", flat=True)
    )
    for row in parsed:
        if row.licence and row.licence["number"] in other_licences:
            errors.append(
                RowError(
                    row.number,
                    labels.get("licence_number", "许可证号"),
                    row.licence["number"],
                    _("This licence number is registered with another bureau."),
                )
            )
    if errors:
        return _fail(run, errors)
    return _write(run, bureau, by, parsed, existing)


def _fail(run: ImportRun, errors: list[RowError]) -> Outcome:
    run.status = ImportStatus.FAILED
    run.errors = [e.as_dict() for e in sorted(errors, key=lambda e: (e.row, e.column))]
    run.save()
    return Outcome(run=run, errors=errors)


@transaction.atomic
def _write(run: ImportRun, bureau, by, parsed: list[ParsedRow], existing: dict) -> Outcome:
    new_households: dict[tuple, Household] = {}
    changes: dict[int, dict] = {}  # existing household → the fields the file gives it
    for row in parsed:
        h = row.household
        target = existing.get(row.match_key) or new_households.get(row.match_key)
        if target is None:
            target = Household(bureau=bureau, **{k: v for k, v in h.items() if v is not None})
            new_households[row.match_key] = target
        elif target.pk:
            changes.setdefault(target.pk, {}).update({k: h[k] for k in UPDATABLE if h.get(k)})
        row.target = target

    households = list(new_households.values())
    licences_by_household: dict[int, list] = {}
    for row in parsed:
        if row.licence:
            licences_by_household.setdefault(id(row.target), []).append(
                RetailLicence(number=row.licence["number"], business_name=row.licence["business_name"])
            )
    for household in households:
        household.search_key = household_search_key(
            household, licences=licences_by_household.get(id(household), [])
        )
    Household.objects.bulk_create(households, batch_size=1000)
    audit_bulk_create(by=by, objs=households, note=run.filename)

    for household in Household.objects.filter(pk__in=list(changes)).prefetch_related("licences"):
        before = snapshot(household, UPDATABLE)
        for key, value in changes[household.pk].items():
            setattr(household, key, value)
        household.search_key = household_search_key(household)
        household.save()
        audit_update(by=by, obj=household, before=before, note=run.filename)

    existing_licences = {
        lic.number: lic
        for lic in RetailLicence.objects.filter(
            bureau=bureau, number__in=[r.licence["number"] for r in parsed if r.licence]
        )
    }
    new_licences, applications, licences_written = [], [], 0
    for row in parsed:
        if not row.licence:
            continue
        data = row.licence
        lic = existing_licences.get(data["number"])
        if lic:
            before = snapshot(lic)
            lic.valid_from, lic.valid_to = data["valid_from"], data["valid_to"]
            for key in ("business_name", "supplier", "scope", "issuer"):
                if data[key]:
                    setattr(lic, key, data[key])
            lic.save()
            if audit_update(by=by, obj=lic, before=before, note=run.filename):
                licences_written += 1
            continue
        new_licences.append(
            RetailLicence(
                bureau=bureau,
                household=row.target,
                number=data["number"],
                holder=row.household["name"],
                business_name=data["business_name"],
                address=row.household["address"],
                supplier=data["supplier"] or bureau.name,
                issuer=data["issuer"] or bureau.name,
                scope=data["scope"] or RetailLicence._meta.get_field("scope").default,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        )
    RetailLicence.objects.bulk_create(new_licences, batch_size=1000)
    for lic in new_licences:
        applications.append(
            LicenceApplication(
                bureau=bureau,
                licence=lic,
                kind=ApplicationKind.NEW,
                applied_on=lic.valid_from,
                decided_on=lic.valid_from,
            )
        )
    LicenceApplication.objects.bulk_create(applications, batch_size=1000)
    audit_bulk_create(by=by, objs=new_licences, note=run.filename)
    licences_written += len(new_licences)

    contract_rows = [r for r in parsed if r.contract]
    existing_contracts = {
        (c.household_id, c.year): c
        for c in PlantingContract.objects.filter(
            bureau=bureau,
            household_id__in=[r.target.pk for r in contract_rows],
            year__in={r.contract["year"] for r in contract_rows},
        )
    }
    new_contracts = []
    for row in contract_rows:
        c = row.contract
        values = {
            "area_mu": c["area_mu"],
            "contracted_kg": c["contracted_kg"],
            "variety": c["variety"],
            "barns": c["barns"],
        }
        current = existing_contracts.get((row.target.pk, c["year"]))
        if current:
            before = snapshot(current)
            for key, value in values.items():
                setattr(current, key, value)
            current.save()
            audit_update(by=by, obj=current, before=before, note=run.filename)
        else:
            new_contracts.append(
                PlantingContract(bureau=bureau, household=row.target, year=c["year"], **values)
            )
    PlantingContract.objects.bulk_create(new_contracts, batch_size=1000)
    audit_bulk_create(by=by, objs=new_contracts, note=run.filename)

    run.status = ImportStatus.SUCCEEDED
    run.households_created = len(households)
    run.households_updated = len(changes)
    run.licences_written = licences_written
    run.contracts_written = len(contract_rows)
    run.save()
    audit_note(
        by=by,
        obj=run,
        action=AuditAction.IMPORT,
        note=run.filename,
        changes={
            "households_created": [None, run.households_created],
            "households_updated": [None, run.households_updated],
            "licences_written": [None, run.licences_written],
            "contracts_written": [None, run.contracts_written],
        },
    )
    return Outcome(run=run)


def template_workbook() -> bytes:
    """The downloadable template: the header, one example of each kind, and a sheet of notes."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户导入"
    headers = [COLUMNS[c][0] for c in TEMPLATE_COLUMNS]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "零售户",
            "张*丰",
            "13800000000",
            "",
            "",
            "公安镇",
            "大桥",
            "公安镇大桥村12号",
            "451122100123",
            "某某便利店",
            "2024-03-05",
            "2029-03-04",
            "钟山县烟草专卖局",
            "乡村",
            "便利",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    sheet.append(
        [
            "烟农",
            "李*明",
            "",
            "",
            "",
            "公安镇",
            "大龙",
            "公安镇大龙村",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            12.5,
            datetime.date.today().year,
            1625,
            "云烟87",
            1,
        ]
    )
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    notes = book.create_sheet("填写说明")
    for line in (
        "1. 列的顺序不限；表头之上可以有标题行。带示例的两行请删除后再导入。",
        "2. 类型填写“烟农”或“零售户”；姓名/经营者、乡镇必填。",
        "3. 零售户必填许可证号（12位：县级区划代码6位+类别1位+顺序号5位）、有效期起、有效期止（不超过5年）。",
        "4. 烟农如有种植合同，填写种植面积(亩)和合同年度，可选合同收购量(公斤)、品种、烤房(座)。",
        "5. 日期可写作 2024-03-05、2024/3/5 或 2024年3月5日；身份证号请设置为文本格式，以免丢失位数。",
        "6. 导入为“全部成功或全部不导入”：任何一行有误都不会写入，并列出所有错误的行、列和原因。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def error_workbook(run: ImportRun) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "错误报告"
    sheet.append(["行号", "列", "内容", "原因"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for e in run.errors:
        sheet.append(safe_row(sheet, [e["row"] or "", e["column"], e["value"], e["reason"]]))
    for letter, width in zip("ABCD", (8, 18, 28, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
