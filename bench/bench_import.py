"""10,000 spreadsheet rows through the import (checked, all or nothing, audited) against a floor
that only parses the same file and inserts the rows with one executemany.

Then files of 1,000,000 rows (a 250 KB xlsx, a 24 MB csv), which the import refuses once it has read
past its row limit: the peak of Python memory (tracemalloc) against a hand-written floor that streams
the same file and keeps the rows the limit allows; within 3x of it, refused, nothing imported."""

import csv
import datetime
import io
import random
import time
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile

from django.db import connection, transaction

from bench.common import Result, best_of

ROWS = 10_000


def _spreadsheet(rng: random.Random) -> bytes:
    from sanwen.clients.rules import latest_valid_to
    from sanwen.testing import valid_id

    rows = [
        [
            "类型",
            "姓名",
            "手机号码",
            "身份证号",
            "乡镇",
            "村",
            "地址",
            "许可证号",
            "有效期起",
            "有效期止",
            "种植面积(亩)",
            "合同年度",
        ]
    ]
    villages = ["公安", "双元", "梁屋", "凤岭", "大龙", "江台", "大桥", "牛庙", "荷塘", "里太"]
    for i in range(ROWS):
        name = (
            rng.choice("李王张刘陈杨黄赵吴周")
            + rng.choice("建国华军明伟芳秀英丽")
            + rng.choice("强磊洋勇艳杰娟涛超霞")
        )
        phone = f"13{rng.randint(3, 9)}{rng.randrange(10**8):08d}"
        if i % 2:
            start = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randrange(900))
            end = latest_valid_to(start)
            rows.append(
                [
                    "零售户",
                    name,
                    phone,
                    "",
                    "钟山镇",
                    "",
                    "钟山镇兴钟路",
                    f"4511221{i:05d}",
                    start.isoformat(),
                    end.isoformat(),
                    "",
                    "",
                ]
            )
        else:
            rows.append(
                [
                    "烟农",
                    name,
                    phone,
                    valid_id(
                        "452427", f"{datetime.date(1950, 1, 1) + datetime.timedelta(days=i):%Y%m%d}", "123"
                    ),
                    "公安镇",
                    rng.choice(villages),
                    "",
                    "",
                    "",
                    "",
                    round(rng.uniform(5, 30), 1),
                    2026,
                ]
            )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def runs_on() -> bool:
    return True


def run() -> list[Result]:
    from sanwen.clients.imports import clients_import
    from sanwen.clients.models import Household
    from sanwen.desk.demo import build_demo

    ctx = build_demo(start=datetime.date(2025, 7, 1), end=datetime.date(2026, 3, 1), say=lambda m: None)
    county = ctx.data["county"]
    township_id = county.area.children.get(name="公安镇").pk
    content = _spreadsheet(random.Random(7))

    def floor():
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1:]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO clients_household (bureau_id, kind, name, phone, id_number, credit_code, township_id, "
                "address, market_type, business_format, note, active, search_key, created_at, updated_at, version) "
                "VALUES (%s, %s, %s, %s, %s, '', %s, %s, '', '', '', TRUE, %s, %s, %s, 1)",
                [(county.pk, "farmer", r[1], r[2], r[3], township_id, r[6], r[1], now, now) for r in rows],
            )
            transaction.set_rollback(True)

    now = datetime.datetime.now(datetime.UTC)

    def sanwen():
        with transaction.atomic():
            outcome = clients_import(bureau=county, by=None, filename="bench.csv", content=content)
            assert not outcome.errors, outcome.run.errors[:3]
            assert Household.objects.filter(bureau=county).count() >= ROWS
            transaction.set_rollback(True)

    floor_seconds = best_of(floor, 3)
    seconds = best_of(sanwen, 3)
    return [
        *_million_rows(county),
        Result(
            name=f"import {ROWS:,} rows",
            database=connection.vendor,
            seconds=seconds,
            floor_seconds=floor_seconds,
            max_ratio=60,
            max_seconds=30,
            note="checked, matched against existing households, audited; floor = parse + one executemany",
        ),
    ]


MILLION = 1_000_000


def _peak(function):
    tracemalloc.start()
    started = time.perf_counter()
    out = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, seconds, out


def _million_rows(county) -> list[Result]:
    from django.conf import settings

    from sanwen.clients.imports import HEADER_SCAN_ROWS, clients_import
    from sanwen.clients.models import Household
    from sanwen.clients.tests.bomb import bomb_xlsx

    keep = settings.IMPORT_MAX_ROWS + HEADER_SCAN_ROWS
    files = {
        "xlsx": bomb_xlsx(MILLION),
        "csv": ("类型,姓名,乡镇\n" + "烟农,钟林,公安镇\n" * MILLION).encode(),
    }

    def xlsx_floor():
        rows = []
        with (
            zipfile.ZipFile(io.BytesIO(files["xlsx"])) as book,
            book.open("xl/worksheets/sheet1.xml") as sheet,
        ):
            for _event, element in ET.iterparse(sheet):
                if element.tag.endswith("}row"):
                    rows.append([cell.findtext("{*}v") for cell in element])
                    element.clear()
                    if len(rows) > keep:
                        break
        return rows

    def csv_floor():
        text = io.TextIOWrapper(io.BytesIO(files["csv"]), encoding="utf-8", newline="")
        rows = []
        for row in csv.reader(text):
            rows.append(row)
            if len(rows) > keep:
                break
        return rows

    results = []
    for kind, floor in (("xlsx", xlsx_floor), ("csv", csv_floor)):
        content = files[kind]
        before = Household.objects.count()
        floor_peak, floor_s, _rows = _peak(floor)
        peak, seconds, outcome = _peak(
            lambda content=content, kind=kind: clients_import(
                bureau=county, by=None, filename=f"bench.{kind}", content=content
            )
        )
        refused = bool(outcome.errors) and Household.objects.count() == before
        note = (
            f"{MILLION:,} rows, {len(content) / 1e6:.2f} MB {kind}, limit {settings.IMPORT_MAX_ROWS:,}: "
            f"{'refused' if refused else 'NOT refused'} in {seconds:.2f} s "
            f"({outcome.errors[0].reason if outcome.errors else '-'}); peak Python memory "
            f"{peak / 1e6:.1f} MB (floor {floor_peak / 1e6:.1f} MB, {floor_s:.2f} s)"
        )
        print(f"  {kind}: {note}")
        results.append(
            Result(
                name=f"import 1M-row {kind}: memory",
                database=connection.vendor,
                seconds=peak / 1e6,
                floor_seconds=floor_peak / 1e6,
                max_ratio=3,
                note=note,
                unit="MB",
                failures=0 if refused else 1,
            )
        )
    return results
