import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from sanwen.org.models import Bureau
from sanwen.reports.stats import Filters
from sanwen.reports.summary import summary_docx, summary_text


class Command(BaseCommand):
    help = "Reports. `report summary --bureau CODE --from DATE --to DATE [--format docx|txt] [-o FILE]`: the Chinese summary."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="report", required=True)
        summary = sub.add_parser("summary", help="the campaign summary in Chinese (text or Word)")
        summary.add_argument("--bureau", required=True, help="bureau code, e.g. 451122")
        summary.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        summary.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        summary.add_argument("--format", choices=("txt", "docx"), default="txt")
        summary.add_argument(
            "-o", "--output", help="file to write (default: the text to the screen, or 总结-CODE.docx)"
        )

    def handle(self, *args, report, bureau, start, end, format, output=None, **options):
        translation.activate("zh-hans")
        found = Bureau.objects.filter(code=bureau).first()
        if found is None:
            raise CommandError(f"没有代码为 {bureau} 的单位")
        try:
            first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
        except ValueError as exc:
            raise CommandError("日期应为 YYYY-MM-DD，例如 2025-07-01") from exc
        if last < first:
            raise CommandError("结束日期不能早于开始日期")
        f = Filters(bureau_ids=list(found.descendants().values_list("pk", flat=True)), start=first, end=last)
        if format == "txt":
            text = summary_text(found, f)
            if output:
                Path(output).write_text(text, encoding="utf-8")
                self.stdout.write(f"已写入 {output}")
            else:
                self.stdout.write(text)
            return
        path = Path(output or f"总结-{found.code}-{first:%Y%m%d}-{last:%Y%m%d}.docx")
        path.write_bytes(summary_docx(found, f))
        self.stdout.write(f"已写入 {path}")
