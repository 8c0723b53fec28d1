import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from sanwen.clients.models import Household


def test_the_command_imports_a_file_and_prints_a_summary(world, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text("类型,姓名,乡镇,村,手机号码\n烟农,刘一,公安镇,大龙,13700001111\n", encoding="utf-8")
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_clients",
            str(path),
            "--bureau",
            "451122",
            "--by",
            "a_admin",
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "1 households added" in out.getvalue()
    assert Household.objects.get(name="刘一").bureau == world.a.bureau


def test_the_command_lists_the_problems_and_writes_nothing(world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("类型,姓名,乡镇\n烟农,刘一,火星镇\n", encoding="utf-8")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was imported: 1 problems"):
        call_command("import_clients", str(path), "--bureau", "451122", stdout=io.StringIO(), stderr=err)
    assert "火星镇" in err.getvalue()
    assert not Household.objects.filter(name="刘一").exists()


def test_the_command_needs_a_bureau_when_there_are_several(world, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("类型,姓名,乡镇\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--bureau"):
        call_command("import_clients", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_report_is_in_chinese_without_progress_codes_in_a_log(world, tmp_path):
    """Not on a terminal (a pipe, cron, CI): no progress bar escape codes; in the default language the
    report has no English words."""
    path = tmp_path / "bad.csv"
    path.write_text("类型,姓名,乡镇\n烟农,刘一,火星镇\n烟农,刘二,公安镇\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_clients", str(path), "--bureau", "451122", stdout=io.StringIO(), stderr=err)
    text = err.getvalue() + str(refused.value)
    assert "\x1b" not in text and "\r" not in text
    assert "火星镇" in text
    for english in ("row ", "Nothing was imported", "problems", "checking rows"):
        assert english not in text, english
    path.write_text("类型,姓名,乡镇\n烟农,刘二,公安镇\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_clients", str(path), "--bureau", "451122", stdout=out, stderr=err)
    assert "\x1b[" not in out.getvalue() + err.getvalue() and "\r" not in err.getvalue()
    assert "households added" not in out.getvalue() and "刘二" not in err.getvalue()
