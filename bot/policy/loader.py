"""Loading and validating the lender policy YAML.

Where the file comes from, in order: the ``path`` argument, the environment variable
``LENDER_POLICY_FILE``, the packaged ``bot/policy/lender_policy.yml``. Each resolved path
is parsed once and cached (:func:`clear_policy_cache` forgets the cache, e.g. in tests or
after editing the file). A malformed file raises :class:`PolicyError` naming the file and
the field, never a half-valid policy.
"""

from __future__ import annotations

import functools
import os
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from bot.policy.model import (
    ALLOCATION_PARTS,
    GRACE_MODES,
    MILESTONE_FIELDS,
    MILESTONE_SOURCES,
    SCALAR_FIELDS,
    SOURCES,
    LenderPolicy,
    Milestone,
)

ENV_VAR = "LENDER_POLICY_FILE"
PACKAGED_FILE = "lender_policy.yml"
MILESTONE_KINDS = ("reminder", "call", "agency", "visit", "legal_notice", "lawsuit", "other")


class PolicyError(ValueError):
    """The policy file is missing, not YAML, or has a bad or missing setting."""


def resolve_data_file(path: str | os.PathLike[str] | None, env_var: str, packaged: str) -> str:
    """The file to read: ``path``, else the environment variable ``env_var``, else the file
    ``packaged`` shipped in this package; as an absolute path (the cache key)."""
    if path is None:
        path = os.environ.get(env_var) or None
    if path is None:
        return str(resources.files("bot.policy").joinpath(packaged))
    return str(Path(path).expanduser().resolve())


def mapping_entries(entries: Any, key: str, allowed: tuple[str, ...], shape: str, fail):
    """``(label, entry)`` for each entry of ``entries``, a non-empty list of mappings with only
    ``allowed`` keys (the list is the file's ``key``; ``shape`` says what an entry holds); the
    error of ``fail`` otherwise."""
    if not isinstance(entries, list) or not entries:
        raise fail(f"{key} must be a non-empty list")
    for index, entry in enumerate(entries):
        label = f"{key}[{index}]"
        if not isinstance(entry, Mapping):
            raise fail(f"{label} must be a mapping with {shape}")
        unknown = sorted(str(name) for name in entry if name not in allowed)
        if unknown:
            raise fail(f"{label} has unknown key(s) {', '.join(unknown)}")
        yield label, entry


def read_yaml_file(resolved: str, what: str, error: type[Exception]) -> Any:
    """The parsed YAML of ``resolved``; ``error`` naming ``what`` and the file when it cannot be
    read or is not YAML."""
    try:
        text = Path(resolved).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{what} {resolved}: cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{what} {resolved}: not valid YAML ({exc})") from None


def load_policy(path: str | os.PathLike[str] | None = None) -> LenderPolicy:
    """The validated :class:`LenderPolicy` from ``path``, else ``$LENDER_POLICY_FILE``,
    else the packaged default file (cached per resolved path)."""
    return _load_cached(resolve_data_file(path, ENV_VAR, PACKAGED_FILE))


def clear_policy_cache() -> None:
    """Forget every cached policy so the next :func:`load_policy` re-reads its file."""
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=16)
def _load_cached(resolved: str) -> LenderPolicy:
    data = read_yaml_file(resolved, "lender policy file", PolicyError)
    return parse_policy(data, source_name=resolved)


def parse_policy(data: Any, source_name: str = "<policy>") -> LenderPolicy:
    """Validate an already-parsed YAML mapping into a :class:`LenderPolicy` (no I/O)."""
    where = f"lender policy file {source_name}"
    if not isinstance(data, Mapping):
        raise PolicyError(f"{where}: the top level must be a mapping of settings")
    expected = set(SCALAR_FIELDS) | set(MILESTONE_FIELDS)
    unknown = sorted(str(k) for k in data if k not in expected)
    missing = [k for k in (*SCALAR_FIELDS, *MILESTONE_FIELDS) if k not in data]
    if unknown:
        raise PolicyError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    if missing:
        raise PolicyError(f"{where}: missing setting(s) {', '.join(missing)}")

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    references: dict[str, str] = {}
    for name in SCALAR_FIELDS:
        entry = data[name]
        if not isinstance(entry, Mapping) or "value" not in entry or "source" not in entry:
            raise PolicyError(f"{where}: {name} must be a mapping with 'value' and 'source'")
        extra = sorted(str(k) for k in entry if k not in ("value", "source", "reference"))
        if extra:
            raise PolicyError(f"{where}: {name} has unknown key(s) {', '.join(extra)}")
        if entry["source"] not in SOURCES:
            raise PolicyError(f"{where}: {name}.source must be one of {', '.join(SOURCES)}")
        sources[name] = entry["source"]
        references[name] = str(entry.get("reference") or "")
        values[name] = entry["value"]

    def fail(name: str, rule: str) -> PolicyError:
        return PolicyError(f"{where}: {name} {rule} (got {values.get(name)!r})")

    multiplier = _decimal(values["penalty_multiplier"])
    if multiplier is None or not Decimal(1) <= multiplier <= Decimal(5):
        raise fail("penalty_multiplier", "must be a number from 1 to 5")
    day_count = _integer(values["day_count"])
    if day_count not in (360, 365, 366):
        raise fail("day_count", "must be 360, 365 or 366")
    grace_days = _integer(values["grace_days"])
    if grace_days is None or not 0 <= grace_days <= 30:
        raise fail("grace_days", "must be a whole number from 0 to 30")
    grace_mode = values["grace_mode"]
    if grace_mode not in GRACE_MODES:
        raise fail("grace_mode", f"must be one of {', '.join(GRACE_MODES)}")
    report_after = _integer(values["report_after_days"])
    if report_after is None or not 0 <= report_after <= 365:
        raise fail("report_after_days", "must be a whole number from 0 to 365")
    fee = _decimal(values["prepayment_fee_rate"])
    if fee is None or not Decimal(0) <= fee <= Decimal("0.1"):
        raise fail("prepayment_fee_rate", "must be a fraction from 0 to 0.1 (0.01 = 1 %)")
    cutoff = values["repayment_cutoff"]
    if not isinstance(cutoff, str) or not cutoff.strip():
        raise fail("repayment_cutoff", "must be a non-empty text such as 当天24:00")
    allocation = values["repayment_allocation"]
    if not isinstance(allocation, list) or sorted(map(str, allocation)) != sorted(ALLOCATION_PARTS):
        raise fail("repayment_allocation", f"must list each of {', '.join(ALLOCATION_PARTS)} once")

    milestones = {name: _milestones(data[name], name, where) for name in MILESTONE_FIELDS}
    return LenderPolicy(
        penalty_multiplier=multiplier,
        day_count=day_count,
        grace_days=grace_days,
        grace_mode=grace_mode,
        report_after_days=report_after,
        prepayment_fee_rate=fee,
        repayment_cutoff=cutoff.strip(),
        repayment_allocation=tuple(allocation),
        collection=milestones["collection"],
        lawsuit=milestones["lawsuit"],
        sources=MappingProxyType(sources),
        references=MappingProxyType(references),
        path=source_name,
    )


def _milestones(entries: Any, name: str, where: str) -> tuple[Milestone, ...]:
    if not isinstance(entries, list):
        raise PolicyError(f"{where}: {name} must be a list of milestones")
    result = []
    for index, entry in enumerate(entries):
        label = f"{name}[{index}]"
        if not isinstance(entry, Mapping):
            raise PolicyError(f"{where}: {label} must be a mapping with day, kind, source, text_zh")
        extra = sorted(str(k) for k in entry if k not in ("day", "kind", "source", "text_zh"))
        if extra:
            raise PolicyError(f"{where}: {label} has unknown key(s) {', '.join(extra)}")
        day = _integer(entry.get("day"))
        if day is None or not 1 <= day <= 3650:
            raise PolicyError(f"{where}: {label}.day must be a whole number from 1 to 3650")
        kind = entry.get("kind")
        if kind not in MILESTONE_KINDS:
            raise PolicyError(f"{where}: {label}.kind must be one of {', '.join(MILESTONE_KINDS)}")
        source = entry.get("source")
        if source not in MILESTONE_SOURCES:
            raise PolicyError(f"{where}: {label}.source must be example or regulation")
        text = entry.get("text_zh")
        if not isinstance(text, str) or not text.strip():
            raise PolicyError(f"{where}: {label}.text_zh must be a non-empty Chinese text")
        result.append(Milestone(day=day, text_zh=text.strip(), source=source, kind=kind))
    return tuple(sorted(result, key=lambda m: m.day))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


__all__ = ["ENV_VAR", "PolicyError", "load_policy", "clear_policy_cache", "parse_policy"]
