"""The campaign's own vocabulary (八办, 六个零, 五个必点评, 三送三抓, 五员, 五不准, categories, deed kinds,
departments) in the language chosen: every term of the bureau's campaign and every department appears on a page
that shows it, in English, traditional and simplified Chinese; an administrator's English edit shows up; the
original column keeps the simplified term whichever language saved it."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from sanwen.accountability import services as accountability
from sanwen.campaigns.models import (
    Campaign,
    CaseCategory,
    DeedKind,
    HandlingMode,
    Prohibition,
    ReviewDimension,
    Vehicle,
    VisitRole,
    ZeroTarget,
)
from sanwen.cases import services as cases_services
from sanwen.core.access import Role
from sanwen.core.testing_forms import form_data
from sanwen.core.vocabulary import to_traditional
from sanwen.org.models import Department

LANGUAGES = ("zh-hans", "zh-hant", "en")


def _client(user, language):
    client = Client()
    client.force_login(user)
    client.cookies["sanwen_language"] = language
    return client


def _pages(world):
    """Which page shows each kind of term, opened by whom: (model, translated fields, role, url)."""
    a = world.a
    assessment = accountability.assessment_start(
        staff=a.users[Role.STAFF], year=2025, by=a.users[Role.INSPECTOR]
    )
    return [
        (CaseCategory, ("name",), Role.STAFF, reverse("case_register")),
        (HandlingMode, ("name",), Role.STAFF, reverse("case_register")),
        (Vehicle, ("name",), Role.STAFF, reverse("visit_record")),
        (VisitRole, ("name",), Role.STAFF, reverse("visit_record")),
        (DeedKind, ("name",), Role.LEADER, reverse("deed_list")),
        (Prohibition, ("name",), Role.STAFF, reverse("report_new")),
        (ZeroTarget, ("name", "description"), Role.LEADER, reverse("scorecard")),
        (ReviewDimension, ("name",), Role.INSPECTOR, reverse("assessment_detail", args=[assessment.pk])),
        (Department, ("name",), Role.INSPECTOR, reverse("assessment_list")),
        (Campaign, ("name",), Role.ADMIN, reverse("home")),
    ]


def _rows(model, world):
    if model is Department:
        return list(Department.objects.filter(bureau=world.a.bureau, active=True))
    if model is Campaign:
        return [world.a.campaign]
    return list(model.objects.filter(campaign=world.a.campaign, active=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_term_shows_in_the_language_chosen(world, language):
    for model, fields, role, url in _pages(world):
        response = _client(world.a.users[role], language).get(url)
        assert response.status_code == 200, (model.__name__, url)
        page = html.unescape(response.content.decode())
        rows = _rows(model, world)
        assert rows, model.__name__
        for row in rows:
            for field in fields:
                simplified = getattr(row, f"{field}_zh_hans")
                english = getattr(row, f"{field}_en")
                # The campaign's defaults carry English; a term nobody translated falls back to simplified.
                assert english or model in (Department, Campaign), (
                    f"{model.__name__} {row.pk} has no English {field}"
                )
                expected = {
                    "zh-hans": simplified,
                    "zh-hant": getattr(row, f"{field}_zh_hant"),
                    "en": english or simplified,
                }[language]
                assert expected == to_traditional(simplified) or language != "zh-hant"
                assert expected in page, (model.__name__, field, language, expected, url)
                if english and language == "en" and len(simplified) > 2:
                    assert simplified not in page, (model.__name__, field, simplified, url)


def test_the_original_column_keeps_the_simplified_term_whatever_language_saves(world):
    category = CaseCategory.objects.filter(campaign=world.a.campaign).first()
    simplified = category.name_zh_hans
    for language in ("en", "zh-hant"):
        with translation.override(language):
            category = CaseCategory.objects.get(pk=category.pk)
            category.order += 1
            category.save()
            assert (
                CaseCategory.objects.filter(pk=category.pk).values_list("name_zh_hans", flat=True)[0]
                == simplified
            )
    # Queries through a relation and the API read the original column: simplified, in every language.
    assert CaseCategory.objects.raw_values("name").get(pk=category.pk)["name"] == simplified
    assert Department.objects.raw_values("name").get(pk=world.a.department.pk)["name"] == "客户服务站"


def test_an_admin_edit_of_a_term_shows_up_and_traditional_follows_simplified(world):
    operator = Client()
    operator.force_login(world.operator)
    url = reverse("admin:campaigns_campaign_change", args=[world.a.campaign.pk])
    data = form_data(operator.get(url).content.decode(), form_id="campaign_form")
    prefix = next(
        k.removesuffix("-code")
        for k, v in data.items()
        if k.startswith("casecategory_set-") and k.endswith("-code") and v == "barns"
    )
    category = CaseCategory.objects.get(pk=int(data[f"{prefix}-id"]))
    assert data[f"{prefix}-name_zh_hant"] == to_traditional(category.name_zh_hans)
    # English rewritten, simplified changed, traditional left as OpenCC wrote it: it follows simplified.
    data |= {f"{prefix}-name_en": "Tobacco curing barns", f"{prefix}-name_zh_hans": "烤房建设与维修"}
    assert operator.post(url, data).status_code == 302
    category.refresh_from_db()
    assert (category.name_en, category.name_zh_hans) == ("Tobacco curing barns", "烤房建设与维修")
    assert category.name_zh_hant == "烤房建設與維修"
    page = _client(world.a.users[Role.STAFF], "en").get(reverse("case_register")).content.decode()
    assert "Tobacco curing barns" in html.unescape(page)
    page = _client(world.a.users[Role.STAFF], "zh-hans").get(reverse("case_register")).content.decode()
    assert "烤房建设与维修" in html.unescape(page) and "Tobacco curing barns" not in html.unescape(page)

    # A traditional term written by hand is kept when simplified changes again; emptied, OpenCC fills it.
    data = form_data(operator.get(url).content.decode(), form_id="campaign_form")
    data |= {f"{prefix}-name_zh_hant": "烤菸房", f"{prefix}-name_zh_hans": "烤房"}
    assert operator.post(url, data).status_code == 302
    category.refresh_from_db()
    assert category.name_zh_hant == "烤菸房"
    data = form_data(operator.get(url).content.decode(), form_id="campaign_form")
    data |= {f"{prefix}-name_zh_hant": ""}
    assert operator.post(url, data).status_code == 302
    category.refresh_from_db()
    assert category.name_zh_hant == to_traditional("烤房")
    page = _client(world.a.users[Role.STAFF], "zh-hant").get(reverse("case_register")).content.decode()
    assert to_traditional("烤房") in html.unescape(page)


def test_a_department_renamed_in_english_in_the_admin_shows_up(world):
    admin = Client()
    admin.force_login(world.operator)
    department = world.a.department
    url = reverse("admin:org_department_change", args=[department.pk])
    data = form_data(admin.get(url).content.decode(), form_id="department_form")
    data |= {"name_en": "Client service station"}
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert department.name_en == "Client service station" and department.name_zh_hant == "客戶服務站"
    page = _client(world.a.users[Role.INSPECTOR], "en").get(reverse("assessment_list")).content.decode()
    assert "Client service station" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_figures_grouped_by_term_show_it_in_the_language_chosen(world, language):
    """The deed sums and the quota table's department subtotals group by the simplified term in the database;
    the page names each group in the language chosen, and each deed's unit too."""
    a = world.a
    leader = a.users[Role.LEADER]
    Department.objects.filter(pk=a.department.pk).update(name_en="Client service station")
    a.department.refresh_from_db()
    kinds = list(DeedKind.objects.filter(campaign=a.campaign, active=True))
    for index, kind in enumerate(kinds):
        cases_services.deed_record(
            bureau=a.bureau,
            by=leader,
            kind=kind,
            quantity=index + 1,
            on=timezone.localdate(),
            description="记录",
            department=a.department,
        )
    client = _client(leader, language)
    page = html.unescape(client.get(reverse("deed_list")).content.decode())
    totals = page[page.index('id="deed-totals"') : page.index("</table>", page.index('id="deed-totals"'))]
    shown = {"zh-hans": "zh_hans", "zh-hant": "zh_hant", "en": "en"}[language]
    for kind in kinds:
        name, unit = getattr(kind, f"name_{shown}"), getattr(kind, f"unit_{shown}")
        assert name in totals and f" {unit}<" in totals, (kind.code, name, unit)
    quota = html.unescape(client.get(reverse("quota_table")).content.decode())
    by_department = quota[quota.index('id="by-department"') :]
    department = a.department
    assert getattr(department, f"name_{shown}") in by_department


def test_a_narrow_save_naming_a_term_writes_every_language_of_it(world, django_assert_num_queries):
    department = Department.objects.get(pk=world.a.department.pk)
    with django_assert_num_queries(1):  # no look-up of the terms for a save of another column
        department.save(update_fields=["order"])
    with translation.override("en"):
        department.name_zh_hans = "客服中心"
        department.save(update_fields=["name"])
    department = Department.objects.get(pk=department.pk)
    assert (department.name_zh_hans, department.name_zh_hant) == ("客服中心", "客服中心")
    assert Department.objects.raw_values("name").get(pk=department.pk)["name"] == "客服中心"
