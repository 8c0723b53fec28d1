"""The annual assessment as Chinese offices file it: 年度考核登记表 on A4, one per staff member (or a
department's in one file, a page each), in 宋体/仿宋, with the evidence from the records, the five
mandatory comments, the grade ticked among the four, and the signature lines."""

import datetime
import io

from django.http import HttpResponse
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from sanwen.accountability.models import Grade

GRADES = {"excellent": "优秀", "competent": "称职", "basic": "基本称职", "incompetent": "不称职"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZERO_LABELS = {
    "delay": "零延误",
    "omission": "零疏忽",
    "error": "零差错",
    "lapse": "零失误",
    "distance": "零距离",
    "breach": "零违犯",
}


def _font(run, name="仿宋", size=12, bold=False):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _cell(cell, text, *, bold=False, size=11, center=False):
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(str(text).split("\n")):
        if i:
            paragraph.add_run().add_break()
        _font(paragraph.add_run(line), size=size, bold=bold)


def _evidence_text(evidence: dict) -> str:
    months = evidence.get("quota_months") or []
    lines = []
    if months:
        met = sum(1 for m in months if m["achieved"] >= m["required"])
        lines.append(
            f"到点天数：{len(months)}个月中{met}个月达标；"
            + "，".join(f"{m['month'][5:]}月{m['achieved']}/{m['required']}" for m in months)
        )
    cases = evidence.get("cases") or {}
    lines.append(
        f"走访：{evidence.get('visits', 0)}次，{evidence.get('household_visits', 0)}户次；"
        f"办结事项{cases.get('resolved', 0)}件，其中按时办结{cases.get('on_time', 0)}件；"
        f"{_satisfaction(cases)}；"
        f"群众通过其联系卡反映{cases.get('card_items', 0)}件"
    )
    commitments = evidence.get("commitments") or {}
    lines.append(
        f"承诺：{commitments.get('total', 0)}项，已践诺{commitments.get('kept', 0)}项、部分践诺{commitments.get('partly', 0)}项、"
        f"未践诺{commitments.get('not_kept', 0)}项、逾期未办{commitments.get('past_due', 0)}项"
    )
    deeds = evidence.get("deeds") or []
    if deeds:
        lines.append("办实事：" + "；".join(f"{d['kind']}{d['quantity']:g}{d['unit']}" for d in deeds))
    violations = evidence.get("violations") or []
    lines.append(
        "违反“五不准”查实："
        + ("；".join(f"{v['on']} {v['prohibition']}" for v in violations) if violations else "无")
    )
    zeros = evidence.get("six_zeros") or {}
    if zeros:
        lines.append(
            "六个零：" + "，".join(f"{ZERO_LABELS[k]}{v}" for k, v in zeros.items() if k in ZERO_LABELS)
        )
    return "\n".join(lines)


def assessment_page(document, assessment, *, bureau, today: datetime.date):
    staff = assessment.staff
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(
        title.add_run(f"{assessment.year}年度工作人员考核登记表"), name="方正小标宋简体", size=18, bold=True
    )
    sub = document.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(sub.add_run(f"单位：{bureau.name}"), size=11)
    comments = list(assessment.comments.select_related("dimension"))
    table = document.add_table(rows=4 + len(comments), cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(3.2), Cm(5.0), Cm(3.2), Cm(5.0))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    head = table.rows[0].cells
    _cell(head[0], "姓名", bold=True, center=True)
    _cell(head[1], staff.name, center=True)
    _cell(head[2], "部门", bold=True, center=True)
    _cell(head[3], staff.department.name if staff.department_id else "", center=True)
    second = table.rows[1].cells
    _cell(second[0], "职务", bold=True, center=True)
    _cell(second[1], staff.title or staff.get_rank_display(), center=True)
    _cell(second[2], "考核年度", bold=True, center=True)
    _cell(second[3], f"{assessment.year}年", center=True)
    evidence_row = table.rows[2].cells
    _cell(evidence_row[0], "平时考核\n记录摘要", bold=True, center=True)
    merged = evidence_row[1].merge(evidence_row[3])
    _cell(
        merged,
        _evidence_text(assessment.evidence) + f"\n（取数日期：{assessment.evidence_on or today}）",
        size=10,
    )
    for i, comment in enumerate(comments):
        cells = table.rows[3 + i].cells
        _cell(cells[0], comment.dimension.name, bold=True, center=True)
        _cell(cells[1].merge(cells[3]), comment.text or "")
    last = table.rows[3 + len(comments)].cells
    _cell(last[0], "考核等次", bold=True, center=True)
    ticks = "    ".join(
        f"{'☑' if assessment.grade == value else '□'}{GRADES[value]}" for value in Grade.values
    )
    signature = "考核人（签字）：            主要负责人（签字）："
    if assessment.finalised_by_id:
        signature += f"{assessment.finalised_by.name}"
    date = assessment.finalised_on or today
    _cell(
        last[1].merge(last[3]),
        f"{ticks}\n\n{signature}\n\n（单位盖章）        {date.year}年{date.month}月{date.day}日",
    )
    if assessment.state != "final":
        note = document.add_paragraph()
        _font(note.add_run("（草稿，尚未定稿）"), size=10)


def assessments_docx(assessments, filename: str, *, bureau, today: datetime.date) -> HttpResponse:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    for i, assessment in enumerate(assessments):
        if i:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        assessment_page(document, assessment, bureau=bureau, today=today)
    buffer = io.BytesIO()
    document.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _satisfaction(cases: dict) -> str:
    """Satisfaction, saying what it counts: per return visit, and per case (latest rating). Evidence
    drawn before both were kept counted cases by their latest rating."""
    if "per_case" not in cases:
        return (
            f"按每件最新评价计满意{cases.get('satisfied', 0)}件、基本满意{cases.get('basic', 0)}件、"
            f"不满意{cases.get('dissatisfied', 0)}件"
        )
    per_case = cases["per_case"]
    return (
        f"按回访次数计满意{cases.get('satisfied', 0)}次、基本满意{cases.get('basic', 0)}次、"
        f"不满意{cases.get('dissatisfied', 0)}次；按每件最新评价计满意{per_case.get('satisfied', 0)}件、"
        f"基本满意{per_case.get('basic', 0)}件、不满意{per_case.get('dissatisfied', 0)}件"
    )
