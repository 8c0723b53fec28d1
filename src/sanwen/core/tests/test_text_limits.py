"""Every free-text field has a maximum length (issue 13, item 7): staff text fields built on
StyledFormMixin get settings.TEXT_MAX unless they set their own, with a message saying how long."""

import datetime

from django import forms

from sanwen.cases.models import CaseEvent, EventKind
from sanwen.core.access import Role
from sanwen.core.forms import StyledFormMixin
from sanwen.portal.tests.test_portal_board import public_case


class Sample(StyledFormMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea)
    title = forms.CharField(max_length=10)
    ids = forms.CharField(widget=forms.HiddenInput)


def test_text_fields_without_a_limit_get_the_setting(settings):
    settings.TEXT_MAX = 20
    form = Sample({"text": "好" * 21, "title": "标题", "ids": "1,2"})
    assert not form.is_valid()
    assert form.errors["text"] == ["请控制在20字以内（现在21字）。"]
    assert form.fields["text"].widget.attrs["maxlength"] == "20"
    assert form.fields["title"].max_length == 10  # its own limit stays
    assert Sample({"text": "好" * 20, "title": "标题", "ids": "1,2"}).is_valid()


def test_a_public_progress_note_longer_than_the_limit_is_refused(client, world, settings):
    settings.TEXT_MAX = 30
    case = public_case(world, datetime.date(2026, 3, 2))
    client.force_login(world.a.users[Role.DEPT_HEAD])
    before = CaseEvent.objects.filter(kind=EventKind.NOTE).count()
    response = client.post(f"/cases/{case.pk}/note/", {"text": "已联系" * 11, "public": "on"})
    assert response.status_code == 400
    assert "请控制在30字以内（现在33字）" in response.content.decode()
    assert CaseEvent.objects.filter(kind=EventKind.NOTE).count() == before
    response = client.post(f"/cases/{case.pk}/note/", {"text": "已联系维修队", "public": "on"})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(kind=EventKind.NOTE, public=True).count() == before + 1


class Numbers(StyledFormMixin, forms.Form):
    on = forms.DateField()
    count = forms.IntegerField(required=False)
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)


def test_dates_and_whole_numbers_are_bounded_with_a_message():
    form = Numbers({"on": "9999-12-31", "count": "99999999999999999999", "year": "2026"})
    assert not form.is_valid()
    assert form.errors["on"] == ["请填写1900-01-01至2099-12-31之间的日期。"]
    assert "2147483647" in form.errors["count"][0]
    assert Numbers({"on": "2026-03-02", "count": "-5", "year": "2026"}).is_valid()
    assert not Numbers({"on": "0001-01-01"}).is_valid()
