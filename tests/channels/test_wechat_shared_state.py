"""The WeChat channel's state shared through Redis: two replicas behind a load balancer.

Each test runs two channel objects (two "Rasa replicas", each in its own Sanic app on a loopback
port) on the real Redis at 127.0.0.1:6379 under a key prefix of its own, and delivers WeChat's
messages to one or the other as a load balancer would.  Slow bots wait on an event the test
opens; no assertion is about time.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis as sync_redis

from bot.channels import shared_state
from bot.channels.shared_state import RedisSettings
from bot.channels.wechat_render import BotTurn, ReplyOption
from tests.channels.wechat_sim import APP_ID, OPENID

REDIS_URL = "redis://127.0.0.1:6379/9"
GUARD = 10.0


async def eventually(condition, timeout: float = GUARD) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


# -- settings (no Redis needed) ----------------------------------------------------------------


def test_no_redis_settings_means_in_process_state():
    assert shared_state.redis_settings({}) is None


def test_redis_settings_from_host_port_db_like_the_lock_store():
    settings = shared_state.redis_settings(
        {
            "REDIS_HOST": "10.0.0.5",
            "REDIS_PORT": "6380",
            "REDIS_DB": "2",
            "REDIS_PASSWORD": "p@ss/word",
        }
    )
    assert settings.url == "redis://:p%40ss%2Fword@10.0.0.5:6380/2"
    assert settings.prefix == shared_state.DEFAULT_PREFIX
    assert "p@ss" not in repr(settings)


def test_redis_url_wins_and_prefix_is_configurable():
    settings = shared_state.redis_settings(
        {
            "REDIS_URL": "redis://cache:6379/4",
            "REDIS_HOST": "other",
            "CHANNEL_STATE_PREFIX": "bank_a:channels",
        }
    )
    assert (settings.url, settings.prefix) == ("redis://cache:6379/4", "bank_a:channels")


@pytest.mark.parametrize(
    "env", [{"REDIS_URL": "http://cache"}, {"REDIS_HOST": "h", "REDIS_PORT": "x"}]
)
def test_malformed_redis_settings_are_refused(env):
    with pytest.raises(shared_state.StateError):
        shared_state.redis_settings(env)


def test_a_bot_turn_survives_the_trip_through_redis():
    turn = BotTurn(
        ("您想先做哪件事？", "第二段"), (ReplyOption(1, "查我的借款", "/check_loan_status"),)
    )
    assert shared_state.turn_from_json(shared_state.turn_to_json(turn)) == turn


def test_the_channel_uses_redis_when_the_environment_configures_it(monkeypatch, channel_factory):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    assert channel_factory().state.shared
    monkeypatch.delenv("REDIS_URL")
    assert not channel_factory().state.shared


# -- two replicas on the real Redis ---------------------------------------------------------------


@pytest.fixture
def redis_settings():
    prefix = f"test:{uuid.uuid4().hex[:10]}"
    client = sync_redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except sync_redis.RedisError as error:  # pragma: no cover - only without the server
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    yield RedisSettings(REDIS_URL, prefix)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def replica(channel_factory, serve_channel, redis_settings):
    """``await replica(**channel kwargs)``: one more Rasa replica sharing the Redis state."""

    async def start(reply_timeout: float = 4.0, **state_kwargs):
        state = shared_state.redis_wechat_state(redis_settings, APP_ID, 300, 3600, **state_kwargs)
        return await serve_channel(channel_factory(reply_timeout=reply_timeout, state=state))

    return start


@pytest.mark.redis
async def test_one_msgid_delivered_to_two_replicas_at_once_is_answered_once(
    replica, bot, wechat_api
):
    a, b = await replica(), await replica()
    bot.gate = asyncio.Event()
    xml = a.wechat.text_xml("我还欠多少", msg_id=a.wechat.next_msg_id())

    deliveries = [asyncio.create_task(a.wechat.push(xml)), asyncio.create_task(b.wechat.push(xml))]
    await eventually(lambda: len(bot.messages) == 1)
    await asyncio.sleep(0.2)  # the other delivery has arrived and is waiting, not processing
    bot.gate.set()
    first, second = await asyncio.gather(*deliveries)

    assert len(bot.messages) == 1
    assert first.content == second.content == "收到：我还欠多少"
    assert a.channel.state.replies.runs + b.channel.state.replies.runs == 1
    await a.channel.wait_idle(GUARD)
    await b.channel.wait_idle(GUARD)
    assert wechat_api.sends == []  # answered passively, never again through the API


@pytest.mark.redis
async def test_a_retry_on_the_other_replica_gets_the_same_reply(replica, bot, wechat_api):
    a, b = await replica(), await replica()
    xml = a.wechat.text_xml("逾期三天罚多少", msg_id=a.wechat.next_msg_id())

    first = await a.wechat.push(xml)
    retry = await b.wechat.push(xml)  # WeChat did not get the first answer: it re-sends

    assert first.content == retry.content == "收到：逾期三天罚多少"
    assert len(bot.messages) == 1
    assert wechat_api.sends == []


@pytest.mark.redis
async def test_a_slow_answer_goes_through_the_api_once_whichever_replica_waited(
    replica, bot, wechat_api
):
    a, b = await replica(reply_timeout=0.2), await replica(reply_timeout=0.2)
    bot.gate = asyncio.Event()
    xml = a.wechat.text_xml("能帮我做个还款计划吗", msg_id=a.wechat.next_msg_id())

    deliveries = [await a.wechat.push(xml), await b.wechat.push(xml), await a.wechat.push(xml)]
    assert [(d.status, d.body) for d in deliveries] == [(200, "success")] * 3

    bot.gate.set()
    (send,) = await wechat_api.wait_for_sends(1)
    await a.channel.wait_idle(GUARD)
    await b.channel.wait_idle(GUARD)
    assert send["json"]["text"]["content"] == "收到：能帮我做个还款计划吗"
    assert len(wechat_api.sends) == 1 and len(bot.messages) == 1
    # a retry after the API delivery gets "success", not the answer a second time
    late = await b.wechat.push(xml)
    assert late.body == "success" and len(wechat_api.sends) == 1


@pytest.mark.redis
async def test_a_number_answered_on_the_other_replica_picks_the_option(replica, bot):
    a, b = await replica(), await replica()

    def answer(message):
        if message.text.startswith("/"):
            return [{"text": f"payload {message.text}"}]
        return [
            {
                "text": "您想先做哪件事？",
                "buttons": [
                    {"title": "查我的借款", "payload": "/check_loan_status"},
                    {"title": "算逾期成本", "payload": "/calculate_overdue_cost"},
                ],
            }
        ]

    bot.answer = answer
    shown = await a.wechat.push(a.wechat.text_xml("帮帮我", msg_id=a.wechat.next_msg_id()))
    assert shown.content.endswith("回复 2：算逾期成本")

    picked = await b.wechat.push(b.wechat.text_xml("2", msg_id=a.wechat.next_msg_id()))
    assert bot.messages[-1].text == "/calculate_overdue_cost"
    assert picked.content == "payload /calculate_overdue_cost"
    # the options belonged to that turn only, on every replica
    await a.wechat.push(a.wechat.text_xml("1", msg_id=a.wechat.next_msg_id()))
    assert bot.messages[-1].text == "1"


@pytest.mark.redis
async def test_replicas_share_one_access_token(replica, bot, wechat_api):
    a, b = await replica(), await replica()
    await asyncio.gather(
        a.channel.deliver_via_api(OPENID, BotTurn(("一",))),
        b.channel.deliver_via_api(OPENID, BotTurn(("二",))),
    )
    await b.channel.deliver_via_api(OPENID, BotTurn(("三",)))

    assert sorted(wechat_api.sent_texts) == ["一", "三", "二"]
    assert len(wechat_api.token_requests) == 1  # one /cgi-bin/token for both replicas
    assert len({send["access_token"] for send in wechat_api.sends}) == 1


@pytest.mark.redis
async def test_a_rejected_token_is_replaced_once_for_all_replicas(replica, bot, wechat_api):
    a, b = await replica(), await replica()
    await a.channel.deliver_via_api(OPENID, BotTurn(("一",)))
    wechat_api.revoke_tokens()  # WeChat invalidated it (another /cgi-bin/token call, say)

    await a.channel.deliver_via_api(OPENID, BotTurn(("二",)))
    await b.channel.deliver_via_api(OPENID, BotTurn(("三",)))

    assert wechat_api.sent_texts == ["一", "二", "三"]
    assert len(wechat_api.token_requests) == 2
    assert wechat_api.sends[1]["access_token"] == wechat_api.sends[2]["access_token"]


# -- the scripts' edge cases, on RedisReplies directly ---------------------------------------------


def _never_spawned(coroutine):  # pragma: no cover - a test fails if it is called
    coroutine.close()
    raise AssertionError("the message was processed again")


def spawner(tasks: list):
    """The channel's way to start a turn in the background, keeping the task for the test."""

    def spawn(coroutine):
        tasks.append(asyncio.ensure_future(coroutine))
        return tasks[-1]

    return spawn


@pytest.mark.redis
async def test_a_claim_of_a_replica_that_died_lapses_and_a_retry_runs_the_message(redis_settings):
    connection = shared_state.RedisConnection(redis_settings)
    dead = shared_state.RedisReplies(connection, "wechat:t", 300, lease=0.3, poll=0.01)
    alive = shared_state.RedisReplies(connection, "wechat:t", 300, lease=0.3, poll=0.01)
    spawned = []

    def spawn_nothing(coroutine):  # the dead replica never gets to run the bot
        spawned.append("dead")
        coroutine.close()

    assert await dead.deliver("msg:o:1", None, None, 0.05, spawn_nothing) == (None, 0)
    await asyncio.sleep(0.1)
    # within the lease: a retry waits and does not run the message
    assert await alive.deliver("msg:o:1", None, None, 0.05, _never_spawned) == (None, 0)
    await asyncio.sleep(0.3)

    async def run(resumed=False):
        return BotTurn(("答复",))

    tasks = []
    turn, claims = await alive.deliver(
        "msg:o:1",
        run,
        lambda t: None,
        2.0,
        spawner(tasks),
    )
    await asyncio.gather(*tasks)
    assert turn == BotTurn(("答复",)) and claims == 1
    assert spawned == ["dead"] and alive.runs == 1
    await connection.close()


@pytest.mark.redis
async def test_a_delivery_waiting_on_a_lapsed_claim_takes_the_message_over(redis_settings):
    # the replica that claimed the message died mid-turn; a delivery already waiting for its
    # reply (on another replica) runs the message once the claim lapses, and answers passively
    connection = shared_state.RedisConnection(redis_settings)
    dead = shared_state.RedisReplies(connection, "wechat:t", 300, lease=0.3, poll=0.01)
    alive = shared_state.RedisReplies(connection, "wechat:t", 300, lease=0.3, poll=0.01)

    def spawn_nothing(coroutine):
        coroutine.close()

    assert await dead.deliver("msg:o:2", None, None, 0.05, spawn_nothing) == (None, 0)
    ran, tasks = [], []

    async def run(resumed=False):
        ran.append(resumed)
        return BotTurn(("接手的答复",))

    turn, claims = await alive.deliver(
        "msg:o:2",
        run,
        lambda t: None,
        3.0,
        spawner(tasks),
    )
    await asyncio.gather(*tasks)
    assert turn == BotTurn(("接手的答复",)) and claims == 1
    assert ran == [True] and alive.runs == 1  # run as a take-over: it looks for a stored answer
    await connection.close()


@pytest.mark.redis
async def test_a_waiter_that_vanished_does_not_keep_the_reply_from_the_api(redis_settings):
    connection = shared_state.RedisConnection(redis_settings)
    replies = shared_state.RedisReplies(connection, "wechat:t", 300, poll=0.01, settle_grace=0.1)
    key = replies._key("msg:o:2")
    await connection.client().eval(shared_state._ENTER, 1, key, 300)  # a replica that then died
    later = []
    gate = asyncio.Event()

    async def run():
        await gate.wait()
        return BotTurn(("晚到的答复",))

    tasks = []
    waiting = asyncio.ensure_future(
        replies.deliver(
            "msg:o:2",
            run,
            later.append,
            0.05,
            spawner(tasks),
        )
    )
    assert await waiting == (None, 0)
    gate.set()
    await asyncio.gather(*tasks)
    assert later == [BotTurn(("晚到的答复",))]
    await connection.close()


@pytest.mark.redis
async def test_a_connection_that_died_with_a_redis_restart_is_replaced_not_failed():
    """After Redis restarts, every pooled connection is dead; the next command on one must be
    sent again on a new connection, not fail the user's message (found by make prod-test)."""
    name = f"test-restart-{uuid.uuid4().hex[:8]}"
    connection = shared_state.RedisConnection(RedisSettings(REDIS_URL, f"test:{name}"))
    client = connection.client()
    await client.client_setname(name)
    assert await client.set(connection.key("k"), "1")
    # what a restart does to the pooled connection: the server closes it
    admin = sync_redis.Redis.from_url(REDIS_URL)
    killed = [c for c in admin.client_list() if c.get("name") == name]
    assert killed
    for entry in killed:
        admin.client_kill_filter(_id=entry["id"])
    try:
        assert await client.get(connection.key("k")) == "1"
    finally:
        admin.delete(connection.key("k"))
        admin.close()
        await connection.close()


async def test_a_message_taken_over_after_its_turn_was_saved_is_answered_not_run_again(
    channel_factory,
):
    # the replica that claimed it died after Rasa saved the turn and before it replied: the
    # replica taking over finds the message (by its MsgId) and the answer in the conversation
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("openid-1", [])
    for event in (
        UserUttered("罚息怎么算", message_id="9001"),
        BotUttered("罚息按天算。"),
        BotUttered("还有别的想问的吗？"),
        ActionExecuted("action_listen"),
        UserUttered("下一句", message_id="9002"),
    ):
        tracker.update(event)
    await store.save(tracker)
    channel = channel_factory()
    handled = []

    async def on_new_message(message):
        handled.append(message.text)

    replayed = await channel._run_bot(
        on_new_message, "openid-1", "罚息怎么算", "9001", None, store, resumed=True
    )
    assert replayed == BotTurn(("罚息按天算。", "还有别的想问的吗？")) and handled == []
    # not in the conversation (the replica died before saving): run as usual
    await channel._run_bot(on_new_message, "openid-1", "新问题", "9003", None, store, resumed=True)
    assert handled == ["新问题"]
    # a first run never looks
    await channel._run_bot(on_new_message, "openid-1", "罚息怎么算", "9001", None, store)
    assert handled == ["新问题", "罚息怎么算"]
