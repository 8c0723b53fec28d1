"""get_FOO_display reads a table made once per field: the label is the one of the language active
at the time of the call, whatever language made the table, and a value outside the choices is shown
as it is."""

from functools import partialmethod

from django.apps import apps
from django.utils import translation

from sanwen.cases.models import CaseEvent, EventKind
from sanwen.clients.models import Household
from sanwen.core.choices import _get_field_display


def test_labels_follow_the_active_language_after_the_table_is_made():
    event = CaseEvent(kind=EventKind.NOTE)
    household = Household(kind="farmer")
    seen = []
    for language in ("zh-hans", "en", "zh-hant", "zh-hans"):
        with translation.override(language):
            seen.append((event.get_kind_display(), household.get_kind_display()))
    assert seen == [
        ("办理进展", "烟农"),
        ("Progress note", "Tobacco farmer"),
        ("辦理進展", "菸農"),
        ("办理进展", "烟农"),
    ]
    event.kind = "no-such-kind"
    assert event.get_kind_display() == "no-such-kind"


def test_every_display_method_django_made_reads_the_table():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices is None:
                continue
            made = model.__dict__.get(f"get_{field.name}_display")
            if isinstance(made, partialmethod):
                assert made.func is _get_field_display, (model, field.name)


def test_option_tags_escape_every_label_and_mark_only_the_chosen_value():
    from sanwen.core.choices import option_tags

    html = option_tags([(1, "城关镇"), (2, '<b>"x"</b>&'), (12, "十二")], 2)
    assert html == (
        '<option value="1">城关镇</option>'
        '<option value="2" selected>&lt;b&gt;&quot;x&quot;&lt;/b&gt;&amp;</option>'
        '<option value="12">十二</option>'
    )
    assert "selected" not in option_tags([(1, "a")], None)
    assert option_tags([], 1) == ""
