"""The worker against providers that fail for a while and recover: every message delivered exactly
once, the provider's codes in the delivery log, a group robot's limit kept, nothing sent twice by
several workers at once, and no credential in the log."""

import datetime
import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from sanwen.core.access import Role
from sanwen.notify.models import Attempt, Channel, Message, Outcome, Status, Topic
from sanwen.notify.outbox import Notice, enqueue, enqueue_client_sms
from sanwen.notify.tests import fakes
from sanwen.notify.worker import deliver_all, run_once
from sanwen.org.models import Staff

MODES = {
    "wecom": ["500", "busy", "drop", "slow", "expired"],
    "robot": ["500", "busy", "drop"],
    "aliyun": ["500", "busy", "drop", "slow"],
    "tencent": ["500", "busy", "limit", "drop", "slow"],
}


def people(world, n, *, channels=("wecom", "sms")):
    out = []
    for i in range(n):
        person = Staff.objects.create(
            username=f"p{i}",
            name=f"员工{i}",
            bureau=world.a.bureau,
            department=world.a.department,
            role=Role.STAFF,
            wecom_userid=f"user{i}",
            phone=f"1391234{i:04d}",
            email=f"p{i}@example.org",
        )
        out.append(person)
    return out


def notices(persons, topic=Topic.REMINDER, tag="t"):
    return [
        Notice(
            recipient=p,
            topic=topic,
            key=f"{tag}:{p.pk}",
            subject=f"[三问三解] 催办 {tag}-{p.pk}",
            body=f"2026-00{p.pk} 道路维修 · 时限 2026-03-09 ({tag}-{p.pk})",
            sms_params={"kind": "催办", "count": "1"},
            urgent=True,
        )
        for p in persons
    ]


def drain(rounds=60):
    for _ in range(rounds):
        deliver_all()
        if not Message.objects.exclude(status__in=(Status.SENT, Status.GAVE_UP)).exists():
            return
    raise AssertionError("the outbox did not empty")


def failures(seed, provider):
    rng = random.Random(seed)
    return [rng.choice(MODES[provider]) for _ in range(rng.randint(1, 8))]


@pytest.mark.parametrize("sms_provider", ["aliyun", "tencent"])
@pytest.mark.parametrize("seed", range(4))
def test_an_outage_loses_nothing_and_sends_nothing_twice(world, providers, settings, sms_provider, seed):
    settings.SMS_PROVIDER = sms_provider
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom", "sms"]
    persons = people(world, 6)
    enqueue(notices(persons))
    enqueue_client_sms(
        bureau_id=world.a.bureau.pk,
        phone="13812341234",
        key="registered:1",
        template="registered",
        params={"code": "7KX3M9QH2D"},
        body="您反映的事项已登记，查询码 7KX3M9QH2D",
    )
    planned = {p: failures(seed * 10 + i, p) for i, p in enumerate(["wecom", sms_provider])}
    for provider, modes in planned.items():
        providers.fail(provider, *modes)
    drain()

    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}
    wecom_texts = [text for _user, text in providers.accepted["wecom"]]
    assert sorted(wecom_texts) == sorted(set(wecom_texts)) and len(wecom_texts) == 6
    for p in persons:
        assert sum(f"t-{p.pk}" in text for text in wecom_texts) == 1
    sms = providers.accepted[sms_provider]
    assert len(sms) == 7
    assert len({row[-1] for row in sms}) == 7  # OutId / SessionContext: each message once
    assert providers.rejected[sms_provider] == 0 and providers.rejected["wecom"] == 0
    # The log names the provider's own codes for the failures it saw.
    logged = set(Attempt.objects.filter(outcome=Outcome.RETRIED).values_list("code", flat=True))
    if "busy" in planned[sms_provider]:
        assert {"isv.BUSINESS_LIMIT_CONTROL", "InternalError.Timeout"} & logged
    if "busy" in planned["wecom"]:
        assert "-1" in logged
    assert Attempt.objects.filter(outcome=Outcome.SENT).count() == Message.objects.count()


def test_sms_carries_the_template_and_its_parameters(world, providers, settings):
    for provider in ("aliyun", "tencent"):
        settings.SMS_PROVIDER = provider
        enqueue_client_sms(
            bureau_id=world.a.bureau.pk,
            phone="13812341234",
            key=f"registered:{provider}",
            template="registered",
            params={"code": "7KX3M9QH2D", "link": "x.cn/p"},
            body="已登记",
        )
        deliver_all()
    (phone, template, params, _id) = providers.accepted["aliyun"][0]
    assert (phone, template, params) == ("13812341234", "SMS_1002", {"code": "7KX3M9QH2D", "link": "x.cn/p"})
    (phone, template, params, _id) = providers.accepted["tencent"][0]
    assert (phone, template, params) == ("+8613812341234", "SMS_1002", ["7KX3M9QH2D", "x.cn/p"])


def test_a_message_that_cannot_be_delivered_is_given_up_at_once_with_the_code(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    (person,) = people(world, 1)
    person.wecom_userid = "nobody"
    person.save()
    enqueue(notices([person]))
    deliver_all()
    message = Message.objects.get()
    assert (message.status, message.attempts, message.last_code) == (Status.GAVE_UP, 1, "invaliduser")
    assert Attempt.objects.get().outcome == Outcome.GAVE_UP


def test_a_provider_that_never_recovers_is_given_up_after_the_last_attempt(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["sms"]
    settings.NOTIFY_MAX_ATTEMPTS = 4
    enqueue(notices(people(world, 1)))
    providers.fail("aliyun", *["busy"] * 10)
    drain()
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Status.GAVE_UP, 4)
    assert list(Attempt.objects.order_by("at", "id").values_list("outcome", flat=True)) == [
        Outcome.RETRIED,
        Outcome.RETRIED,
        Outcome.RETRIED,
        Outcome.GAVE_UP,
    ]
    assert providers.accepted["aliyun"] == []


def test_backoff_grows_and_waits(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    settings.NOTIFY_BACKOFF_SECONDS = 30
    enqueue(notices(people(world, 1)))
    providers.fail("wecom", "500", "500", "500")
    waits = []
    for _ in range(3):
        before = timezone.now()
        run_once(max_messages=1, as_of=timezone.now() + datetime.timedelta(days=1))  # one try
        waits.append((Message.objects.get().not_before - before).total_seconds())
    assert 0.8 * 30 <= waits[0] <= 31 and 0.8 * 60 <= waits[1] <= 61 and 0.8 * 120 <= waits[2] <= 121
    assert run_once().handled == 0  # not due yet: the worker leaves it


def test_a_group_robot_gets_at_most_its_limit_a_minute(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["robot"]
    world.a.department.wecom_group = "leaf"
    world.a.department.save()
    persons = people(world, 45)
    enqueue(notices(persons))
    assert Message.objects.filter(channel=Channel.ROBOT).count() == 45  # one per alert and group
    for expected in (20, 40, 45):
        run_once()
        assert len(providers.accepted["robot"]) == expected
        # A minute passes, for the robot and for the outbox's record of what it sent.
        providers.robot_sends[:] = [t - 61 for t in providers.robot_sends]
        Message.objects.filter(sent_at__isnull=False).update(
            sent_at=timezone.now() - datetime.timedelta(seconds=61)
        )
        Message.objects.filter(status=Status.RETRY).update(not_before=timezone.now())
    assert providers.rejected["robot limit"] == 0
    assert len(set(providers.accepted["robot"])) == 45
    assert Attempt.objects.filter(outcome=Outcome.DEFERRED).exists()


def test_text_longer_than_2048_bytes_is_cut_on_a_character(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["robot", "wecom"]
    world.a.department.wecom_group = "leaf"
    world.a.department.save()
    (person,) = people(world, 1)
    long = notices([person])[0]
    long.body = "超期案件：" + "二〇二六年道路维修" * 400
    enqueue([long])
    deliver_all()
    for text in [providers.accepted["robot"][0], providers.accepted["wecom"][0][1]]:
        assert len(text.encode()) <= 2048 and text.endswith("…")
    assert providers.rejected["robot"] == providers.rejected["wecom"] == 0


def test_the_same_notice_twice_is_one_message(world, providers, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom", "email", "sms"]
    persons = people(world, 3)
    enqueue(notices(persons))
    enqueue(notices(persons))
    assert Message.objects.count() == 9
    drain()
    assert len(providers.accepted["wecom"]) == 3 and len(providers.accepted["aliyun"]) == 3


def _secrets():
    return [fakes.WECOM_SECRET, fakes.ROBOT_KEY, fakes.ALIYUN_SECRET, fakes.TENCENT_KEY]


def test_no_credential_reaches_the_log_or_the_pages(world, providers, settings, client, caplog):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom", "robot", "sms"]
    world.a.department.wecom_group = "leaf"
    world.a.department.save()
    enqueue(notices(people(world, 2)))
    # Failures whose answers echo the request's address, with its token, key or secret.
    providers.fail("token", "500")
    providers.fail("wecom", "500")
    providers.fail("robot", "500")
    providers.fail("aliyun", "500")
    settings.SMS_PROVIDER = "tencent"
    providers.fail("tencent", "busy", "500")
    drain()
    assert Attempt.objects.filter(code__in=["HTTP 500", "HTTP 502"]).count() >= 4
    # The answers did carry credentials (the echoed addresses); the log keeps them masked.
    assert Attempt.objects.filter(detail__contains="***").count() >= 3
    texts = [
        json.dumps(list(Attempt.objects.values()), default=str),
        json.dumps(list(Message.objects.values()), default=str),
    ]
    admin = world.a.users[Role.ADMIN]
    client.force_login(admin)
    texts.append(client.get("/notify/log/").content.decode())
    texts.append(caplog.text)
    for text in texts:
        for secret in _secrets():
            assert secret not in text
        for token in providers.tokens:
            assert token not in text


def _worker_env(providers, base: str, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "ALIYUN_", "TENCENT_", "SMS_"))}
    env.update(
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="sanwen.settings",
        DATABASE_URL=database_url,
        WECOM_API_BASE=base,
        WECOM_CORP_ID=fakes.CORP_ID,
        WECOM_AGENT_ID=fakes.AGENT_ID,
        WECOM_SECRET=fakes.WECOM_SECRET,
        SMS_PROVIDER="aliyun",
        SMS_TEMPLATES="alert=SMS_1001",
        ALIYUN_SMS_ENDPOINT=f"{base}/aliyun/",
        ALIYUN_SMS_ACCESS_KEY_ID=fakes.ALIYUN_ID,
        ALIYUN_SMS_ACCESS_KEY_SECRET=fakes.ALIYUN_SECRET,
        ALIYUN_SMS_SIGN_NAME="钟山烟草",
        NOTIFY_BACKOFF_SECONDS="0",
        NOTIFY_HTTP_TIMEOUT="2",
    )
    return env


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_never_send_twice(providers, settings, tmp_path):
    """Four `sanwen worker --once` processes on one database (a file for SQLite, the test database
    on PostgreSQL), as on four app servers, through an outage of both providers."""
    from sanwen.testing import build_world

    world = build_world()
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom", "sms"]
    enqueue(notices(people(world, 30)))
    providers.fail("wecom", "busy", "500", "busy", "drop")
    providers.fail("aliyun", "busy", "drop", "500")
    providers.delay = 0.03  # each answer takes a moment, so the workers overlap
    base = settings.WECOM_API_BASE
    if connection.vendor == "sqlite":
        path = tmp_path / "workers.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        database_url = f"sqlite:///{path}"
    else:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env = _worker_env(providers, base, database_url)
    command = [
        sys.executable,
        "-c",
        "from sanwen.cli import main; main()",
        "worker",
        "--once",
        "--batch",
        "3",
    ]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)
    ]
    outputs = [w.communicate(timeout=180) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], [err.decode()[-2000:] for _out, err in outputs]

    if connection.vendor == "sqlite":
        db = sqlite3.connect(path)
        statuses = {row[0] for row in db.execute("SELECT status FROM notify_message")}
        names = {row[0] for row in db.execute("SELECT worker FROM notify_attempt WHERE outcome = 'sent'")}
        db.close()
    else:
        statuses = set(Message.objects.values_list("status", flat=True))
        names = set(Attempt.objects.filter(outcome=Outcome.SENT).values_list("worker", flat=True))
    assert statuses == {Status.SENT}
    texts = [text for _u, text in providers.accepted["wecom"]]
    assert len(texts) == 30 == len(set(texts))
    assert len(providers.accepted["aliyun"]) == 30 == len({row[-1] for row in providers.accepted["aliyun"]})
    assert len(names) > 1  # the work was in fact shared


def test_a_worker_that_dies_holding_a_claim_leaves_it_to_another(world, providers, settings):
    from sanwen.notify.worker import claim, lease

    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    enqueue(notices(people(world, 3)))
    dead = claim(worker="dead", limit=10)
    assert len(dead) == 3 and run_once(worker="alive").handled == 0  # claimed: nobody else takes them
    later = timezone.now() + lease() + datetime.timedelta(seconds=1)
    assert run_once(worker="alive", as_of=later).sent == 3
    # The dead worker wakes up and reports: its claim is gone, so nothing is written twice.
    from sanwen.notify.channels import Delivery
    from sanwen.notify.worker import _finish

    assert _finish(dead[0], Delivery(True), worker="dead", now=timezone.now()) == ""
    assert Attempt.objects.filter(outcome=Outcome.SENT).count() == 3
    assert len(providers.accepted["wecom"]) == 3


def test_outbound_calls_go_through_the_configured_proxy(world, providers, settings):
    """A bureau's intranet reaches the internet through a proxy: the fake server plays the proxy here
    (it is asked for the absolute address of a host that does not resolve)."""
    proxy = settings.WECOM_API_BASE
    settings.NOTIFY_PROXY = proxy
    settings.WECOM_API_BASE = "http://qyapi.weixin.invalid"
    settings.TENCENT_SMS_ENDPOINT = "http://sms.tencentcloudapi.invalid/tencent/"
    settings.SMS_PROVIDER = "tencent"
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom", "sms"]
    enqueue(notices(people(world, 2)))
    assert deliver_all().sent == 4
    assert len(providers.accepted["wecom"]) == 2 and len(providers.accepted["tencent"]) == 2
