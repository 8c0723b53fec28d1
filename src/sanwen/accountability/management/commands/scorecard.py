import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from sanwen.accountability.scorecard import Period, Scope, card
from sanwen.org.models import Bureau, Department, Staff


class Command(BaseCommand):
    help = "Print the six-zeros scorecard (六个零) of a bureau (its children side by side), a department or a person."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", required=True, help="bureau code, e.g. 451122")
        parser.add_argument(
            "--period", required=True, help="2026-01 (month), 2026-Q1 (quarter) or 2026 (year)"
        )
        parser.add_argument("--department", help="department name")
        parser.add_argument("--staff", help="username of a staff member")
        parser.add_argument("--date", help="count as if today were YYYY-MM-DD")

    def handle(self, *args, bureau, period, department=None, staff=None, date=None, **options):
        translation.activate("zh-hans")
        found = Bureau.objects.filter(code=bureau).first()
        if found is None:
            raise CommandError(f"没有代码为 {bureau} 的单位")
        try:
            span = Period.parse(period)
        except ValueError as exc:
            raise CommandError(f"期间 {period!r} 应为 2026-01、2026-Q1 或 2026") from exc
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"{date!r} 不是日期") from exc
        scope = Scope(bureau=found)
        if department:
            dept = Department.objects.filter(bureau=found, name=department).first()
            if dept is None:
                raise CommandError(f"{found.name}没有部门“{department}”")
            scope = Scope(bureau=found, department=dept, bureau_ids=[found.pk])
        if staff:
            person = Staff.objects.filter(bureau=found, username=staff).first()
            if person is None:
                raise CommandError(f"{found.name}没有用户 {staff}")
            scope = Scope(bureau=found, staff=person, bureau_ids=[found.pk])
        children = scope.staff is None and scope.department is None and found.children.exists()
        result = card(scope, span, today, children=children)
        labels = [str(label) for label, _b in result.columns]
        self.stdout.write(f"六个零 · {scope.label} · {span.label}（{span.start} 至 {span.cutoff(today)}）")
        width = max(len(str(name)) for _c, name, _d, _cells in result.figures) + 2
        self.stdout.write("".ljust(width) + "".join(label.rjust(12) for label in labels))
        for code, name, _description, cells in result.figures:
            values = []
            for cell in cells:
                text = str(cell.get("n", 0))
                if code == "distance" and cell.get("coverage") is not None:
                    text += f"（{cell['coverage']:g}%）"
                values.append(text.rjust(12))
            self.stdout.write(str(name).ljust(width) + "".join(values))
        met = sum(1 for _c, _n, _d, cells in result.figures if not cells[-1].get("n"))
        self.stdout.write(f"达到“零”的指标：{met} / 6")
