"""The Chinese summary in the shape of the report's own paragraph (据不完全统计，…召开各种会议20次，走访烟农、
客户3020户次，建立民情台账55本，收集建议86条), every number computed from the records; as text or Word."""

import datetime
import io

from django.db.models import Sum

from sanwen.cases.models import CasePartner
from sanwen.reports.stats import Filters, cases_resolved, deeds, figures


def _day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _number(value) -> str:
    return (
        f"{value:g}"
        if isinstance(value, float)
        else f"{value.normalize():f}"
        if hasattr(value, "normalize")
        else str(value)
    )


def summary_paragraphs(bureau, f: Filters, *, who: str = "") -> list[str]:
    """The summary's paragraphs for the bureau (or the scope of `f`) over its period."""
    data = figures(f)
    who = who or bureau.name
    paragraphs = [
        f"据不完全统计，{_day(f.start)}至{_day(f.end)}，{who}干部员工召开各种会议{data['meetings']}次，"
        f"走访烟农、客户{data['household_visits']}户次，建立民情台账{data['ledger_books']}本，"
        f"收集建议{data['suggestions']}条。"
    ]
    cases = (
        f"活动中共登记群众反映的需求、忧虑、怨恨、困难和意见建议{data['cases']}件"
        f"（其中问需{data['ask_need']}件、问政{data['ask_opinion']}件、问计{data['ask_suggestion']}件），"
        f"办结{data['resolved']}件"
    )
    if data["on_time_percent"] is not None:
        cases += f"，按时办结率{data['on_time_percent']:g}%"
    if data["on_the_spot"]:
        cases += f"，现场解决{data['on_the_spot']}件"
    if data["rated"]:
        # Both rates, each saying what it counts: every return visit, and each case's latest rating.
        cases += (
            f"；回访{data['rated']}次，按回访次数计满意和基本满意率{data['satisfied_percent']:g}%"
            f"（不满意{data['dissatisfied']}次）"
        )
        if data["case_satisfied_percent"] is not None:
            cases += (
                f"，按每件最新评价计{data['cases_rated']}件、满意和基本满意率"
                f"{data['case_satisfied_percent']:g}%"
            )
    paragraphs.append(cases + "。")
    by_department = {}
    for row in (
        deeds(f)
        .values("department__name", "department__order", "kind__name", "kind__order", "unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("department__order", "department__name", "kind__order", "kind__name")
    ):
        name = row["department__name"] or "其他部门"
        by_department.setdefault(name, []).append(
            f"{row['kind__name']}{_number(row['quantity'])}{row['unit']}"
        )
    if by_department:
        parts = [f"{name}{'、'.join(items)}" for name, items in by_department.items()]
        paragraphs.append("真心为群众办实事、解难题：" + "；".join(parts) + "。")
    partners = {}
    for row in (
        CasePartner.objects.filter(case__in=cases_resolved(f))
        .values("partner__name", "case__title")
        .order_by("partner__name", "case__raised_on")
    ):
        partners.setdefault(row["partner__name"], []).append(row["case__title"].split("，")[0][:20])
    if partners:
        parts = [
            f"与{name}协作解决了{'、'.join(list(dict.fromkeys(titles))[:2])}等问题"
            for name, titles in partners.items()
        ]
        paragraphs.append("多方合作积极办：" + "；".join(parts) + "。")
    return paragraphs


def summary_text(bureau, f: Filters, **kwargs) -> str:
    title = f"{bureau.name}“三问三解”活动情况"
    return title + "\n\n" + "\n\n".join(summary_paragraphs(bureau, f, **kwargs)) + "\n"


def summary_docx(bureau, f: Filters, **kwargs) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def font(run, name="仿宋", size=16, bold=False):
        run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(title.add_run(f"{bureau.name}“三问三解”活动情况"), name="方正小标宋简体", size=22)
    for text in summary_paragraphs(bureau, f, **kwargs):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.paragraph_format.line_spacing = Pt(28)
        font(paragraph.add_run(text))
    sign = document.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(sign.add_run(f"{bureau.name}\n{_day(datetime.date.today())}"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
