"""bot.stores.rasa_speedups: the same answers as Rasa's own code, without the repeated work."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.stores import rasa_speedups

rasa_speedups.install()

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "你好"}]},
    {
        "events": [{"event": "active_loop", "name": None}],
        "responses": [{"custom": {"type": "handoff"}}],
    },
]
BAD = [
    {"events": "not a list", "responses": []},
    {"events": [{"no_event_key": 1}], "responses": []},
    {"events": [{"event": 42}], "responses": []},
]


@pytest.fixture
def action():
    return RemoteAction("action_check_loan_status", None)


def test_installed_once_and_idempotent():
    patched = RemoteAction._validate_action_result
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is patched
    assert getattr(patched, "_compiled_validator", False)


@pytest.mark.parametrize("answer", GOOD)
def test_valid_answers_pass_as_before(action, answer):
    original = RemoteAction._validate_action_result.__wrapped__
    assert original(action, answer) is True
    assert action._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_invalid_answers_fail_with_rasas_message(action, answer):
    original = RemoteAction._validate_action_result.__wrapped__
    with pytest.raises(ValidationError) as theirs:
        original(action, answer)
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(answer)
    assert ours.value.message == theirs.value.message
    assert list(ours.value.path) == list(theirs.value.path)


def test_event_classes_resolve_as_before():
    original = Event.resolve_by_type.__wrapped__
    for cls in all_subclasses(Event):
        name = getattr(cls, "type_name", None)
        if isinstance(name, str):
            assert Event.resolve_by_type(name) is original(name)
            assert Event.resolve_by_type(name) is original(name)  # and again, from the cache
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=Event) is Event
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")


async def test_endpoint_calls_share_one_connection_and_keep_rasas_request(aiohttp_server):
    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    peers, seen = [], []

    async def webhook(request):
        peers.append(request.transport.get_extra_info("peername"))
        seen.append(
            (request.headers.get("Authorization"), request.query.get("token"), await request.json())
        )
        if (await request.json()).get("fail"):
            return web.json_response({"error": "no"}, status=400)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = await aiohttp_server(app)
    endpoint = EndpointConfig(
        f"http://127.0.0.1:{server.port}/webhook",
        headers={"Authorization": "Bearer s3cret"},
        token="t0k",
    )
    for number in range(3):
        assert await endpoint.request(json={"n": number}, method="post") == {
            "events": [],
            "responses": [],
        }
    with pytest.raises(ClientResponseError) as failed:
        await endpoint.request(json={"fail": True}, method="post")
    assert failed.value.status == 400
    assert len(set(peers)) == 1  # one kept-alive connection, not one per call
    assert seen[0] == ("Bearer s3cret", "t0k", {"n": 0})


class _Step:
    """A graph component for the runner test: adds its config's number to what it is given."""

    def __init__(self, config):
        self.config = config

    @staticmethod
    def get_default_config():
        return {}

    @classmethod
    def create(cls, config, model_storage, resource, execution_context):
        return cls(config)

    def add(self, **numbers):
        return sum(numbers.values()) + self.config["plus"]


def test_graphs_run_in_order_give_what_dask_gave(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    from bot.stores import rasa_speedups

    rasa_speedups.install()

    def node(needs, plus, eager=True):
        return SchemaNode(
            needs=needs,
            uses=_Step,
            constructor_name="create",
            fn="add",
            config={"plus": plus},
            eager=eager,
        )

    schema = GraphSchema(
        {
            "a": node({"x": "start"}, 1),
            "b": node({"x": "a"}, 10),
            "c": node({"x": "a", "y": "b"}, 100),
            "unused": node({"x": "start"}, 1000),
            "d": node({"x": "c"}, 0),
        }
    )
    runner = DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "test"))
    in_order = runner.run(inputs={"start": 1}, targets=["d", "b"])
    original = DaskGraphRunner.run.__wrapped__(runner, inputs={"start": 1}, targets=["d", "b"])
    assert in_order == original == {"d": 114, "b": 12}  # a=2, b=12, c=114, d=114
    assert runner.run(inputs={"start": 5}, targets=["c"]) == {
        "c": 122
    }  # the plan is reused, inputs are not
    assert DaskGraphRunner.run._in_order
