"""Work the Rasa server repeats on every call although the answer never changes.

Found by profiling a loaded run (docs/speed.md); each change keeps Rasa's behaviour exactly:

* **Validating the action server's answer.** ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate(result, schema)`` for every custom action, and ``jsonschema.validate``
  first checks the *schema itself* against the JSON-Schema meta-schema (``check_schema``, with
  ``$dynamicRef`` resolution) and builds a new validator. Rasa's schema is a constant, so here it
  is checked once and its validator built once; every answer is still validated against it, and
  an invalid answer raises the same ``ValidationError`` with the same message as before. This
  was 55-58 % of the Rasa server's CPU under load.
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
    _cache_event_classes()
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
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
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

    def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
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


__all__ = ["install"]
