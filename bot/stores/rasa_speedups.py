"""Work the Rasa server repeats on every call although the answer never changes.

Found by profiling a loaded run (docs/speed.md); each change keeps Rasa's behaviour exactly:

* **Validating the action server's answer.** ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate(result, schema)`` for every custom action, and ``jsonschema.validate``
  first checks the *schema itself* against the JSON-Schema meta-schema (``check_schema``, with
  ``$dynamicRef`` resolution) and builds a new validator. Rasa's schema is a constant, so here it
  is checked once and its validator built once; every answer is still validated against it, and
  an invalid answer raises the same ``ValidationError`` with the same message as before. This
  was 55-58 % of the Rasa server's CPU under load.
* **A new HTTP client per action call.** ``EndpointConfig.request`` opens a new aiohttp
  ``ClientSession`` (and so a new TCP connection to the action server) for every call and closes
  it afterwards. Here each endpoint keeps one session per event loop, whose connections are kept
  alive for 2 s (less than the servers' own keep-alive, so a server never closes one under a
  request); headers, authentication, timeout and the request itself are Rasa's.
* **Running the model's graph.** Every parse and every action prediction runs a part of the
  model's graph through ``dask.get`` (``DaskGraphRunner``), which rebuilds the pruned schema and
  a dask task graph and schedules it through dask's local scheduler for a handful of nodes that
  always run one after the other. Here the pruned schema and its node order are worked out once
  per set of targets, and the nodes are called in that order with the same inputs; the results
  and the errors are the ones dask returned.
* **Finding an event's class.** ``Event.resolve_by_type`` walks every subclass of ``Event``
  (``all_subclasses``, recursively) for each event it deserialises; the first class with the
  type name is now remembered (same first match; an unknown name still goes the original way).

:func:`install` is idempotent; the project's tracker store (:mod:`bot.stores.sql`) calls it when
the Rasa server creates it, so it runs exactly in the processes that serve conversations.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text, Type

logger = logging.getLogger(__name__)

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _compile_action_result_validator()
    _run_graphs_in_order()
    _cache_event_classes()
    _reuse_endpoint_sessions()
    _installed = True
    logger.debug("rasa speed-ups installed (action answer validator, event classes)")


def _compile_action_result_validator() -> None:
    from jsonschema import ValidationError, validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    original = RemoteAction._validate_action_result
    if getattr(original, "_compiled_validator", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate would on every call
    validator = validator_class(schema)

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        # what jsonschema.validate does after checking the schema
        error: Optional[ValidationError] = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                "For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    _validate_action_result._compiled_validator = True  # type: ignore[attr-defined]
    _validate_action_result.__wrapped__ = original  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result


def _cache_event_classes() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type  # a staticmethod: the plain function
    if getattr(original, "_cached", False):
        return
    known: Dict[Text, Type[Event]] = {}

    def resolve_by_type(
        type_name: Text, default: Optional[Type[Event]] = None
    ) -> Optional[Type[Event]]:
        found = known.get(type_name)
        if found is not None:
            return found
        for cls in all_subclasses(Event):  # Rasa's order: the first class with the name wins
            if cls.type_name == type_name:
                known[type_name] = cls
                return cls
        return original(type_name, default)

    resolve_by_type._cached = True  # type: ignore[attr-defined]
    resolve_by_type.__wrapped__ = original  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)


def _run_graphs_in_order() -> None:
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, "_in_order", False):
        return

    def plan(self, targets):
        """(node order, needs) for these targets, worked out once per runner."""
        plans = self.__dict__.setdefault("_plans", {})
        key = tuple(targets)
        if key not in plans:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            order: list = []
            seen: set = set()

            def visit(name: Text) -> None:
                if name in seen or name not in schema.nodes:
                    return
                seen.add(name)
                for needed in schema.nodes[name].needs.values():
                    visit(needed)
                order.append(name)

            for target in targets:
                visit(target)
            plans[key] = [(name, tuple(schema.nodes[name].needs.values())) for name in order]
        return plans[key]

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets=None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        results: Dict[Text, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and input_value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    "that none of the input names passed to the `run` method are the "
                    "same as node names in the graph schema."
                )
            results[input_name] = (input_name, input_value)
        try:
            for name, needs in plan(self, run_targets):
                results[name] = self._instantiated_nodes[name](
                    *(results[needed] for needed in needs)
                )
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    run._in_order = True  # type: ignore[attr-defined]
    run.__wrapped__ = DaskGraphRunner.run  # type: ignore[attr-defined]
    DaskGraphRunner.run = run


def _reuse_endpoint_sessions() -> None:
    import asyncio
    import os
    import ssl

    import aiohttp
    from aiohttp.client_exceptions import ContentTypeError
    from rasa.shared.exceptions import FileNotFoundException
    from rasa.utils.endpoints import (
        DEFAULT_REQUEST_TIMEOUT,
        ClientResponseError,
        EndpointConfig,
        concat_url,
    )

    if getattr(EndpointConfig.request, "_shared_session", False):
        return

    def shared_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        sessions = endpoint.__dict__.setdefault("_shared_sessions", {})
        session = sessions.get(loop)
        if session is None or session.closed:
            # what Rasa's EndpointConfig.session() builds, with a keep-alive connector
            auth = (
                aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
                if endpoint.basic_auth
                else None
            )
            session = aiohttp.ClientSession(
                headers=endpoint.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=2.0),
            )
            sessions.clear()  # sessions of finished loops are not reused
            sessions[loop] = session
        return session

    async def request(
        self,
        method: Text = "post",
        subpath: Optional[Text] = None,
        content_type: Optional[Text] = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Optional[Any]:
        # Rasa 3.6's EndpointConfig.request, with the shared session instead of a new one
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if "headers" in kwargs:
            headers.update(kwargs["headers"])
            del kwargs["headers"]
        if self.headers:
            headers.update(self.headers)
        url = concat_url(self.url, subpath)
        sslcontext = None
        if self.cafile:
            try:
                sslcontext = ssl.create_default_context(cafile=self.cafile)
            except FileNotFoundError as e:
                raise FileNotFoundException(
                    f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not"
                    " exist."
                ) from e
        session = shared_session(self)
        async with session.request(
            method,
            url,
            headers=headers,
            params=self.combine_parameters(kwargs),
            compress=compress,
            ssl=sslcontext,
            **kwargs,
        ) as response:
            if response.status >= 400:
                raise ClientResponseError(
                    response.status, response.reason, await response.content.read()
                )
            try:
                return await response.json()
            except ContentTypeError:
                return None

    request._shared_session = True  # type: ignore[attr-defined]
    request.__wrapped__ = EndpointConfig.request  # type: ignore[attr-defined]
    EndpointConfig.request = request


__all__ = ["install"]
