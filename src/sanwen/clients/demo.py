"""Demo step: farmer and retailer households, written as a county spreadsheet and loaded through
the import, so the demo exercises the same path a bureau uses."""

import csv
import datetime
import io
import math

from django.core.exceptions import ValidationError
from stdnum.cn import ric, uscc

from sanwen.clients.imports import COLUMNS, TEMPLATE_COLUMNS, clients_import
from sanwen.clients.rules import latest_valid_to
from sanwen.core.demo import DemoContext
from sanwen.org.models import Place, PlaceLevel

FARMERS = 960
RETAILERS = 720
RENEWAL_COHORT = 206  # the report's "就地换证206个"
# Tobacco is grown mostly in 公安镇 (仁里村 is a big tobacco village) and a few other townships.
FARMER_TOWNSHIPS = {"公安镇": 0.55, "回龙镇": 0.12, "燕塘镇": 0.12, "清塘镇": 0.11, "红花镇": 0.10}
VARIETIES = ("云烟87", "云烟87", "K326", "云烟105", "贵烟202")
STREETS = ("兴钟路", "建设路", "人民路", "富民街", "新街", "解放路", "朝阳路", "商贸街", "迎宾路", "沿河路")
SHOP_WORDS = ("便利店", "商店", "超市", "烟酒行", "食杂店", "副食店", "百货店")
FORMATS = {
    "便利店": "便利",
    "商店": "食杂",
    "超市": "超市",
    "烟酒行": "烟酒",
    "食杂店": "食杂",
    "副食店": "食杂",
    "百货店": "食杂",
}


def _resident_id(ctx: DemoContext) -> str:
    """A valid-looking number: 钟山县 was 452427 (贺州地区) for people registered before 2002."""
    birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=ctx.rng.randrange(365 * 45))
    area = "452427" if birth.year < 2002 else "451122"
    body = f"{area}{birth:%Y%m%d}{ctx.rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _credit_code(ctx: DemoContext) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "92451122" + "".join(ctx.rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _phone(ctx: DemoContext) -> str:
    return (
        ctx.rng.choice(("13", "15", "17", "18", "19"))
        + ctx.rng.choice("3456789")
        + f"{ctx.rng.randrange(10**8):08d}"
    )


def _weighted(ctx: DemoContext, weights: dict):
    return ctx.rng.choices(list(weights), weights=list(weights.values()))[0]


def build(ctx: DemoContext) -> None:
    county = ctx.data["county"]
    townships = {p.name: p for p in Place.objects.filter(parent__code="451122", level=PlaceLevel.TOWNSHIP)}
    villages = {
        name: list(Place.objects.filter(parent=t).exclude(level=PlaceLevel.TOWNSHIP).order_by("code", "name"))
        for name, t in townships.items()
    }
    rows: list[dict] = []
    years = sorted({ctx.start.year, ctx.end.year})
    for _ in range(FARMERS):
        township = _weighted(ctx, FARMER_TOWNSHIPS)
        options = villages.get(township) or []
        village = None
        if options:
            # 仁里村 (the chief's contact point) is a large tobacco village: it gets a heavier share.
            weights = [6 if v.name == "仁里村" else 1 for v in options]
            village = ctx.rng.choices(options, weights=weights)[0]
        name = ctx.person_name()
        area = round(ctx.rng.uniform(5, 30) * 2) / 2
        phone = _phone(ctx) if ctx.rng.random() < 0.92 else ""
        id_number = _resident_id(ctx)
        variety = ctx.rng.choice(VARIETIES)
        place = village.name if village else township
        for year in years:
            year_area = area if year == years[-1] else max(3.0, area - ctx.rng.choice((0, 0, 1, 2)))
            rows.append(
                {
                    "kind": "烟农",
                    "name": name,
                    "phone": phone,
                    "id_number": id_number,
                    "township": township,
                    "village": village.name if village else "",
                    "address": f"{township}{place}",
                    "area_mu": year_area,
                    "year": year,
                    "contracted_kg": round(year_area * ctx.rng.uniform(125, 135)),
                    "variety": variety,
                    "barns": math.ceil(year_area / 25),
                }
            )
    township_weights = {name: (5 if name == "钟山镇" else 1) for name in townships}
    sequence = ctx.rng.sample(range(1, 99999), RETAILERS)
    for index in range(RETAILERS):
        township = _weighted(ctx, township_weights)
        name = ctx.person_name()
        enterprise = ctx.rng.random() < 0.08
        shop = ctx.rng.choice(SHOP_WORDS)
        business = f"钟山县{township.removesuffix('镇').removesuffix('瑶族乡')}{name[0]}{ctx.rng.choice('记氏家')}{shop}"
        number = f"451122{2 if enterprise else 1}{sequence[index]:05d}"
        if index < RENEWAL_COHORT:
            # Licences that expire during the campaign: the 专卖股 renews them on the spot (see cases.demo).
            span = (ctx.end - ctx.start).days - 15
            valid_to = ctx.start + datetime.timedelta(days=40 + ctx.rng.randrange(max(span, 1)))
            valid_from = valid_to - datetime.timedelta(days=5 * 365) + datetime.timedelta(days=1)
            ctx.data.setdefault("renewal_cohort", []).append(number)
        else:
            # Terms began over the last five years; the rest come up for renewal after the demo.
            valid_from = ctx.end - datetime.timedelta(days=ctx.rng.randrange(30, 5 * 365 - 20))
            valid_to = latest_valid_to(valid_from)
        rows.append(
            {
                "kind": "零售户",
                "name": name,
                "phone": _phone(ctx),
                "id_number": _resident_id(ctx) if not enterprise else "",
                "credit_code": _credit_code(ctx) if enterprise else "",
                "township": township,
                "address": f"{township}{ctx.rng.choice(STREETS)}{ctx.rng.randint(1, 188)}号",
                "licence_number": number,
                "business_name": business,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
                "market_type": "城镇" if township == "钟山镇" or ctx.rng.random() < 0.3 else "乡村",
                "business_format": FORMATS[shop],
            }
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([COLUMNS[c][0] for c in TEMPLATE_COLUMNS])
    writer.writerows([row.get(c, "") for c in TEMPLATE_COLUMNS] for row in rows)
    outcome = clients_import(
        bureau=county,
        by=None,
        filename="钟山县客户花名册(演示).csv",
        content=buffer.getvalue().encode("utf-8"),
        progress=lambda done, total: ctx.progress("households", done, total),
        today=ctx.end,
    )
    if outcome.errors:
        raise ValidationError([f"row {e.row} {e.column}: {e.reason}" for e in outcome.errors[:10]])
    run = outcome.run
    ctx.data["import_run"] = run
    ctx.say(
        f"  households: {run.households_created} ({FARMERS} farmers, {RETAILERS} retailers), "
        f"{run.licences_written} licences, {run.contracts_written} contracts"
    )
