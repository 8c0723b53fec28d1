"""Putting messages into the outbox: each person's channels per kind of notice, quiet hours, keys."""

import datetime
import zoneinfo

import pytest
from django.db import DataError, connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from sanwen.core.access import Role
from sanwen.notify.models import Channel, Message, Profile, Topic
from sanwen.notify.outbox import Notice, enqueue, release_time

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


def local(hour, minute=0, day=5):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@given(
    now=st.datetimes(min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2026, 12, 31)),
    start=times,
    end=times,
)
def test_quiet_hours_hold_until_they_end_and_never_longer(now, start, end):
    now = now.replace(tzinfo=TZ)
    release = release_time(now, start, end)
    assert release >= now
    assert release - now < datetime.timedelta(days=1)
    t = now.timetz().replace(tzinfo=None)
    inside = start != end and (start <= t < end if start < end else (t >= start or t < end))
    if inside:
        assert release.astimezone(TZ).time() == end and release > now
    else:
        assert release == now


def test_the_default_quiet_hours_are_22_to_7(settings):
    assert (settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END) == ("22:00", "07:00")
    t = datetime.time
    assert release_time(local(23, 30), t(22), t(7)) == local(7, day=6)
    assert release_time(local(6, 59), t(22), t(7)) == local(7)
    assert release_time(local(7), t(22), t(7)) == local(7)
    assert release_time(local(21, 59), t(22), t(7)) == local(21, 59)


def _notice(person, *, topic=Topic.REMINDER, urgent=False, key="k1"):
    return Notice(recipient=person, topic=topic, key=key, subject="催办", body="2026-00001", urgent=urgent)


def _person(world):
    person = world.a.users[Role.STAFF]
    person.email, person.wecom_userid, person.phone = "s@example.org", "zhangsan", "13912345678"
    person.save()
    return person


def test_a_person_receives_each_kind_on_the_channels_they_chose(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "wecom"]
    person = _person(world)
    Profile.objects.create(staff=person, channels={Topic.REMINDER: ["sms"], Topic.SUPERVISION: []})
    now = local(10)
    enqueue(
        [_notice(person), _notice(person, topic=Topic.SUPERVISION), _notice(person, topic=Topic.DIGEST)],
        now=now,
    )
    got = sorted(Message.objects.values_list("topic", "channel", "address"))
    assert got == [
        (Topic.DIGEST, Channel.EMAIL, "s@example.org"),
        (Topic.DIGEST, Channel.WECOM, "zhangsan"),
        (Topic.REMINDER, Channel.SMS, "13912345678"),
    ]


def test_a_channel_without_an_address_is_skipped(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "wecom", "sms", "robot"]
    person = world.a.users[Role.STAFF]
    person.email = "s@example.org"
    person.save()
    enqueue([_notice(person)], now=local(10))
    assert list(Message.objects.values_list("channel", flat=True)) == [Channel.EMAIL]


def test_quiet_hours_hold_what_is_not_urgent(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    person = _person(world)
    enqueue([_notice(person, key="a"), _notice(person, key="b", urgent=True)], now=local(23))
    held = dict(Message.objects.values_list("key", "not_before"))
    assert held["a"] == local(7, day=6) and held["b"] == local(23)
    # A person's own quiet hours: none in the evening, but from 12:00 to 14:00.
    Profile.objects.create(staff=person, quiet_start=datetime.time(12), quiet_end=datetime.time(14))
    enqueue([_notice(person, key="c")], now=local(23))
    enqueue([_notice(person, key="d")], now=local(12, 30))
    held = dict(Message.objects.values_list("key", "not_before"))
    assert held["c"] == local(23) and held["d"] == local(14)


def test_urgent_kinds_are_settings(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    settings.NOTIFY_URGENT_TOPICS = ["supervision"]
    person = _person(world)
    enqueue([_notice(person, topic=Topic.SUPERVISION)], now=local(23))
    assert Message.objects.get().not_before == local(23)


def test_the_preferences_page_saves_what_a_new_user_chooses(client, world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "wecom"]
    person = _person(world)
    client.force_login(person)
    page = client.get(reverse("notify_preferences"))
    assert page.status_code == 200 and "免打扰" in page.content.decode()
    form = {"t_reminder": ["wecom", "sms"], "t_digest": [], "quiet_start": "21:00", "quiet_end": "08:00"}
    response = client.post(reverse("notify_preferences"), form)
    assert response.status_code == 302
    profile = Profile.objects.get(staff=person)
    assert profile.channels["reminder"] == ["wecom", "sms"] and profile.channels["digest"] == []
    assert profile.channels["supervision"] == []  # every box left empty is a choice too
    assert (profile.quiet_start, profile.quiet_end) == (datetime.time(21), datetime.time(8))
    enqueue([_notice(person)], now=local(20, 30))
    assert sorted(Message.objects.values_list("channel", flat=True)) == ["sms", "wecom"]
    assert Message.objects.first().not_before == local(20, 30)


def test_bad_preferences_change_nothing(client, world):
    person = _person(world)
    client.force_login(person)
    for form in (
        {"t_reminder": ["fax"]},
        {"quiet_start": "21:00"},
        {"quiet_start": "25:00", "quiet_end": "08:00"},
        {"t_reminder": ["email"], "version": "7"},
    ):
        response = client.post(reverse("notify_preferences"), form)
        if "version" in form:
            # The first save makes the profile; a stale version afterwards is refused.
            client.post(reverse("notify_preferences"), {"t_reminder": ["sms"]})
            response = client.post(reverse("notify_preferences"), {"t_reminder": ["email"], "version": "1"})
        assert response.status_code == 400, form
    assert Profile.objects.get(staff=person).channels["reminder"] == ["sms"]


def test_the_delivery_log_is_for_administrators_and_shows_no_text(client, world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["sms"]
    person = _person(world)
    enqueue(
        [Notice(recipient=person, topic=Topic.INTEGRITY, key="x", subject="机密", body="举报内容不可外泄")]
    )
    for role in Role:
        client.force_login(world.a.users[role])
        response = client.get(reverse("notify_log"))
        assert response.status_code == (200 if role == Role.ADMIN else 403), role
    client.force_login(world.a.users[Role.ADMIN])
    html = client.get(reverse("notify_log")).content.decode()
    assert "举报内容不可外泄" not in html and "13912345678" not in html and "139****5678" in html
    client.force_login(world.b.users[Role.ADMIN])
    assert "139****5678" not in client.get(reverse("notify_log")).content.decode()


def test_a_group_robot_never_carries_what_only_one_person_may_read(world, settings):
    """Everyone in a department's WeCom group reads its robot: integrity notices and a person's digest
    (an inspector's holds the new reports) never go there, whatever the person or the defaults chose."""
    person = _person(world)
    person.department.wecom_group = "leaf"
    person.department.save()
    for defaults, chosen in ((["robot"], None), (["email"], {t: ["robot"] for t in Topic.values})):
        Message.objects.all().delete()
        Profile.objects.filter(staff=person).delete()
        settings.NOTIFY_DEFAULT_CHANNELS = defaults
        if chosen is not None:
            Profile.objects.create(staff=person, channels=chosen)
        enqueue([_notice(person, topic=t, key=f"k-{t}") for t in Topic.values], now=local(10))
        on_robot = set(Message.objects.filter(channel=Channel.ROBOT).values_list("topic", flat=True))
        assert on_robot == set(settings.NOTIFY_GROUP_TOPICS)
        assert not on_robot & {Topic.INTEGRITY, Topic.DIGEST, Topic.CLIENT}
    # Even a setting that names them does not send them to a group.
    settings.NOTIFY_GROUP_TOPICS = list(Topic.values)
    Message.objects.all().delete()
    enqueue([_notice(person, topic=Topic.INTEGRITY, key="i"), _notice(person, topic=Topic.DIGEST, key="d")])
    assert not Message.objects.filter(channel=Channel.ROBOT).exists()


def test_the_preferences_page_offers_no_group_robot_for_integrity_or_the_digest(client, world):
    person = _person(world)
    client.force_login(person)
    page = client.get(reverse("notify_preferences")).content.decode()
    assert 'name="t_reminder" value="robot"' in page
    assert 'name="t_integrity" value="robot"' not in page and 'name="t_digest" value="robot"' not in page
    response = client.post(reverse("notify_preferences"), {"t_integrity": ["robot"], "t_digest": ["robot"]})
    assert response.status_code == 400  # refused, the form shown again with the reason
    profile = Profile.objects.filter(staff=person).first()
    assert profile is None or "robot" not in (profile.channels or {}).get("integrity", [])


def test_a_queued_message_holds_what_a_model_insert_would_and_is_queued_once(world, settings):
    """enqueue writes its rows itself (outbox._insert): each column holds what bulk_create of the same
    Message would have written, the defaults included, SMS parameters as JSON and long keys and
    subjects cut; the same notice queued again adds nothing, on either database."""
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "sms", "wecom"]
    person = _person(world)
    notices = [
        Notice(
            recipient=person,
            topic=Topic.REMINDER,
            key="alert:" + "k" * 200,
            subject="催办 " * 80,
            body="第一行\n第二行 'quoted' \"double\" %s %(x)s \\ {a,b} \t\u2028 😀 \\u0041",
            sms_template="SMS_1",
            sms_params={"kind": "催办", "count": "3", "nested": [1, "二"]},
        ),
        _notice(person, key="urgent", urgent=True),
    ]
    now = local(23, 15)
    assert enqueue(notices, now=now) == 6
    written = Message.objects.order_by("key", "channel")
    # What the model would write for the same values: built and saved one by one, then compared.
    expected = [
        Message(
            bureau_id=m.bureau_id,
            recipient_id=m.recipient_id,
            channel=m.channel,
            address=m.address,
            topic=m.topic,
            key=m.key,
            subject=m.subject,
            body=m.body,
            template=m.template,
            params=m.params,
            urgent=m.urgent,
            not_before=m.not_before,
            created_at=m.created_at,
        )
        for m in written
    ]
    columns = [f.attname for f in Message._meta.concrete_fields if not f.primary_key]
    got = [tuple(getattr(m, c) for c in columns) for m in written]
    Message.objects.all().delete()
    Message.objects.bulk_create(expected)
    model = [tuple(getattr(m, c) for c in columns) for m in Message.objects.order_by("key", "channel")]
    assert got == model
    sms = Message.objects.get(channel=Channel.SMS, key__startswith="alert:")
    assert sms.params == {"kind": "催办", "count": "3", "nested": [1, "二"]} and sms.template == "SMS_1"
    assert len(sms.key) < 200 and len(sms.subject) <= Message._meta.get_field("subject").max_length
    assert Message.objects.get(channel=Channel.EMAIL, key="urgent").not_before == now
    assert Message.objects.get(channel=Channel.EMAIL, key__startswith="alert:").not_before == local(7, day=6)
    assert enqueue(notices, now=now) == 6  # offered again ...
    assert Message.objects.count() == 6  # ... and not added


def test_thousands_of_notices_are_queued_in_one_call_each_once(world, settings):
    """A clock pass hands in thousands at once: every one lands with its own text, duplicates in
    the same call collapse to one message, and a text too long for its column is refused whole."""
    settings.NOTIFY_DEFAULT_CHANNELS = ["email"]
    person = _person(world)
    notices = [
        Notice(recipient=person, topic=Topic.REMINDER, key=f"k{i}", subject=f"第{i}条", body=f"正文 {i} ' \\")
        for i in range(2500)
    ]
    assert enqueue([*notices, notices[0]]) == 2501  # offered; the repeated key is not added twice
    assert Message.objects.count() == 2500
    assert Message.objects.get(key="k1234").body == "正文 1234 ' \\"
    assert Message.objects.get(key="k2499").subject == "第2499条"
    if connection.vendor != "postgresql":
        return  # SQLite keeps any length in a varchar column, whoever writes it
    person.email = "x" * 129 + "@example.org"  # longer than an address may be
    with pytest.raises(DataError):
        enqueue([_notice(person, key="long")])
    assert not Message.objects.filter(key="long").exists()


def test_a_moment_without_a_zone_is_taken_in_the_sites_zone(world, settings):
    """As a model's save takes it (with Django's warning), on either database: not the session's UTC."""
    settings.NOTIFY_DEFAULT_CHANNELS = ["email"]
    person = _person(world)
    naive = datetime.datetime(2026, 3, 5, 12, 0)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        enqueue([_notice(person, key="naive", urgent=True)], now=naive)
    message = Message.objects.get(key="naive")
    assert message.created_at == message.not_before == local(12)
