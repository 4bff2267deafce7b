"""The service guide: what the bot answers about things it cannot do itself (``service_guide.yml``).

A borrower who asks to open or close the product, change an ID card, phone number or bank card,
get a settlement certificate or an invoice, or asks about investments, other lenders, 芝麻分,
passwords, contracts or complaints (intent ``out_of_scope``) gets an answer for that topic: what
it is, what the bot can tell, and where to do it. The topics, their keywords and their answers
are data; this module loads, checks and matches them (no I/O besides reading the file)::

    from bot.policy.service_guide import load_service_guide
    guide = load_service_guide()          # $SERVICE_GUIDE_FILE or the packaged YAML
    topic = guide.topic_for("身份证过期了咋改")
    topic.id                              # "identity"
    topic.reply                           # the answer, App paths and the example note filled in
    guide.topic_for("借呗怎么提额").response  # "utter_faq/credit_limit": an FAQ answer instead

Where the file comes from, in order: the ``path`` argument, the environment variable
``SERVICE_GUIDE_FILE``, the packaged ``bot/policy/service_guide.yml``; each resolved path is
parsed once (:func:`clear_service_guide_cache` forgets it). A malformed file raises
:class:`ServiceGuideError` naming the file and the entry, never a half-valid guide.

Matching (the YAML file's header says the same for its editors): the message is width-normalised
and lower-cased, the ``spellings`` replaced by their standard form, and split into clauses at
punctuation (spaces inside a clause are dropped). A keyword is text, or pieces joined by "…" that
must come in that order inside one clause with at most ``max_gap`` characters between them. A
keyword (or a whole topic) with ``unless`` words does not count in a clause containing one of
them. Of the topics mentioned, those of the highest ``priority`` count, and of those the one
mentioned first (clause, position, longest keyword, file order). No topic: ``default``.

App paths and phone numbers are the lender's. A place marked ``source: example`` is shown with
the file's ``example_note`` ("（示例路径，以App为准）") after the first such place in an answer.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Optional

from bot.nlu.textnorm import normalize_text
from bot.policy.loader import PolicyError, mapping_entries, read_yaml_file, resolve_data_file

ENV_VAR = "SERVICE_GUIDE_FILE"
PACKAGED_FILE = "service_guide.yml"
GAP = "…"
PLACE_SOURCES = ("example", "lender")
DEFAULT_MAX_GAP = 4
DEFAULT_TOPIC_ID = "default"

_TOP_REQUIRED = ("version", "example_note", "places", "topics", "default")
_TOP_OPTIONAL = ("max_gap", "spellings", "snippets")
_TOPIC_KEYS = ("id", "name", "keywords", "unless", "priority", "answer", "faq")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: where a message is cut into clauses (the ellipsis too: "……" stays one character each)
_CLAUSE_BREAKS = re.compile(r"[，,。.！!？?；;、：:~～…\n\r]+")
_SPACES = re.compile(r"\s+")


class ServiceGuideError(PolicyError):
    """The service guide file is missing, not YAML, or has a bad or missing entry."""


@dataclass(frozen=True)
class Place:
    """An App menu path or a contact of the lender; ``source`` is ``example`` or ``lender``."""

    name: str
    text: str
    source: str

    @property
    def is_example(self) -> bool:
        return self.source == "example"


@dataclass(frozen=True)
class Keyword:
    """A keyword as written in the file, its prepared pieces and its ``unless`` words."""

    text: str
    pieces: tuple[str, ...]
    unless: tuple[str, ...] = ()
    max_gap: int = DEFAULT_MAX_GAP
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        gap = f".{{0,{self.max_gap}}}?"
        object.__setattr__(self, "pattern", re.compile(gap.join(re.escape(p) for p in self.pieces)))

    @property
    def weight(self) -> int:
        """How much text the keyword pins down (its pieces without the gaps)."""
        return sum(len(piece) for piece in self.pieces)

    def search(self, clause: str) -> Optional[re.Match]:
        """The first match in ``clause`` (a prepared clause), or None (also when an ``unless``
        word is in the clause)."""
        if any(word in clause for word in self.unless):
            return None
        return self.pattern.search(clause)


@dataclass(frozen=True)
class ServiceTopic:
    """One topic: what selects it and what the bot answers.

    Exactly one of ``reply`` (the text, places and snippets filled in) and ``faq`` (an FAQ topic
    whose answer ``utter_faq/<faq>`` is sent instead) is set.
    """

    id: str
    name: str
    keywords: tuple[Keyword, ...] = ()
    unless: tuple[str, ...] = ()
    priority: int = 0
    reply: Optional[str] = None
    faq: Optional[str] = None
    places: tuple[str, ...] = ()

    @property
    def response(self) -> Optional[str]:
        """The domain response to send instead of a text (``utter_faq/credit_limit``), or None."""
        return f"utter_faq/{self.faq}" if self.faq else None


@dataclass(frozen=True)
class ServiceMatch:
    """Where a topic was found: the clause (0-based), the position in it and the keyword."""

    topic: ServiceTopic
    clause: int
    start: int
    keyword: Keyword


def normaliser(spellings: Mapping[str, str]):
    """``text -> prepared text``: width-normalised, lower-cased, each typed form of ``spellings``
    (``{typed form: standard form}``, both already lower-case) replaced, longest form first."""
    forms = sorted(spellings, key=lambda form: (-len(form), form))
    pattern = re.compile("|".join(re.escape(form) for form in forms)) if forms else None

    def normalise(text: str) -> str:
        prepared = normalize_text(text or "").lower()
        return pattern.sub(lambda m: spellings[m.group(0)], prepared) if pattern else prepared

    return normalise


def split_clauses(prepared: str) -> list[str]:
    """The clauses of a prepared (normalised) text, spaces dropped, empty ones left out."""
    parts = (_SPACES.sub("", part) for part in _CLAUSE_BREAKS.split(prepared))
    return [part for part in parts if part]


@dataclass(frozen=True)
class ServiceGuide:
    topics: tuple[ServiceTopic, ...]
    default: ServiceTopic
    places: Mapping[str, Place]
    snippets: Mapping[str, str]
    spellings: Mapping[str, str]
    example_note: str
    max_gap: int = DEFAULT_MAX_GAP
    path: str = "<service guide>"
    _normalise: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_normalise", normaliser(self.spellings))

    # --- reading a message -------------------------------------------------------------------
    def normalise(self, text: str) -> str:
        """Width-normalised, lower-cased, spellings replaced (clause breaks and spaces kept)."""
        return self._normalise(text)

    def clauses(self, text: str) -> list[str]:
        """The prepared clauses of ``text``, spaces dropped, empty ones left out."""
        return split_clauses(self.normalise(text))

    def find(self, text: str) -> Optional[ServiceMatch]:
        """The topic ``text`` asks about, with where it was found; None when no topic matches."""
        best: Optional[tuple[tuple[int, int, int, int, int], ServiceMatch]] = None
        for clause_index, clause in enumerate(self.clauses(text)):
            for topic_index, topic in enumerate(self.topics):
                if any(word in clause for word in topic.unless):
                    continue
                for keyword in topic.keywords:
                    found = keyword.search(clause)
                    if found is None:
                        continue
                    key = (
                        -topic.priority,
                        clause_index,
                        found.start(),
                        -keyword.weight,
                        topic_index,
                    )
                    if best is None or key < best[0]:
                        best = (key, ServiceMatch(topic, clause_index, found.start(), keyword))
        return best[1] if best else None

    def topic_for(self, text: str) -> ServiceTopic:
        """The topic of ``text``, or :attr:`default`."""
        found = self.find(text)
        return found.topic if found else self.default

    def topic(self, topic_id: str) -> ServiceTopic:
        """The topic called ``topic_id`` (``"default"`` included); KeyError when there is none."""
        if topic_id == DEFAULT_TOPIC_ID:
            return self.default
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


# --- loading -----------------------------------------------------------------------------------
def load_service_guide(path: str | os.PathLike[str] | None = None) -> ServiceGuide:
    """The validated :class:`ServiceGuide` from ``path``, else ``$SERVICE_GUIDE_FILE``, else the
    packaged file (cached per resolved path)."""
    return _load_cached(resolve_data_file(path, ENV_VAR, PACKAGED_FILE))


def clear_service_guide_cache() -> None:
    """Forget every cached guide so the next :func:`load_service_guide` re-reads its file."""
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=16)
def _load_cached(resolved: str) -> ServiceGuide:
    data = read_yaml_file(resolved, "service guide file", ServiceGuideError)
    return parse_service_guide(data, source_name=resolved)


def parse_service_guide(data: Any, source_name: str = "<service guide>") -> ServiceGuide:
    """Validate an already-parsed YAML mapping into a :class:`ServiceGuide` (no I/O)."""
    where = f"service guide file {source_name}"

    def fail(message: str) -> ServiceGuideError:
        return ServiceGuideError(f"{where}: {message}")

    if not isinstance(data, Mapping):
        raise fail(
            "the top level must be a mapping (version, example_note, places, topics, default …)"
        )
    unknown = sorted(str(k) for k in data if k not in _TOP_REQUIRED + _TOP_OPTIONAL)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}")
    missing = [k for k in _TOP_REQUIRED if k not in data]
    if missing:
        raise fail(f"missing key(s) {', '.join(missing)}")
    if data["version"] != 1:
        raise fail(f"version must be 1 (got {data['version']!r})")
    example_note = _text(data["example_note"], "example_note", fail)
    max_gap = data.get("max_gap", DEFAULT_MAX_GAP)
    if isinstance(max_gap, bool) or not isinstance(max_gap, int) or not 0 <= max_gap <= 10:
        raise fail(f"max_gap must be a whole number from 0 to 10 (got {max_gap!r})")

    spellings = _spellings(data.get("spellings") or {}, fail)
    normalise = normaliser(spellings)
    places = _places(data["places"], fail)
    snippets = _snippets(data.get("snippets") or {}, fail)
    clash = sorted(set(places) & set(snippets))
    if clash:
        raise fail(f"{', '.join(clash)} is both a place and a snippet")

    def render(template: Any, label: str) -> tuple[str, tuple[str, ...]]:
        text = _text(template, label, fail)
        used: list[str] = []
        noted = False

        def fill(match: re.Match) -> str:
            nonlocal noted
            name = match.group(1)
            if name in snippets:
                return snippets[name]
            if name not in places:
                raise fail(f"{label} uses {{{name}}}, which is neither a place nor a snippet")
            used.append(name)
            place = places[name]
            if place.is_example and not noted:
                noted = True
                return place.text + example_note
            return place.text

        result = _PLACEHOLDER.sub(fill, text)
        if "{" in result or "}" in result:
            raise fail(f"{label} has an unmatched {{ or }}")
        return result, tuple(dict.fromkeys(used))

    topics: list[ServiceTopic] = []
    seen: set[str] = set()
    for label, entry in mapping_entries(
        data["topics"], "topics", _TOPIC_KEYS, "id, name, keywords and answer or faq", fail
    ):
        topic_id = entry.get("id")
        if (
            not isinstance(topic_id, str)
            or not _NAME.match(topic_id)
            or topic_id == DEFAULT_TOPIC_ID
        ):
            raise fail(
                f"{label}.id must be a lower-case name like open_product, not 'default' (got"
                f" {topic_id!r})"
            )
        label = f"topic {topic_id}"
        if topic_id in seen:
            raise fail(f"{label} is defined twice")
        seen.add(topic_id)
        name = _text(entry.get("name"), f"{label}.name", fail)
        priority = entry.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int) or not -5 <= priority <= 5:
            raise fail(f"{label}.priority must be a whole number from -5 to 5 (got {priority!r})")
        unless = _words(entry.get("unless") or [], f"{label}.unless", normalise, fail)
        keywords = _keywords(entry.get("keywords"), label, normalise, max_gap, fail)
        has_answer, has_faq = "answer" in entry, "faq" in entry
        if has_answer == has_faq:
            raise fail(f"{label} needs exactly one of answer (a text) or faq (an FAQ topic)")
        reply = faq = None
        used: tuple[str, ...] = ()
        if has_answer:
            reply, used = render(entry["answer"], f"{label}.answer")
        else:
            faq = entry["faq"]
            if not isinstance(faq, str) or not _NAME.match(faq):
                raise fail(f"{label}.faq must be an FAQ topic name like credit_limit (got {faq!r})")
        topics.append(
            ServiceTopic(
                id=topic_id,
                name=name,
                keywords=keywords,
                unless=unless,
                priority=priority,
                reply=reply,
                faq=faq,
                places=used,
            )
        )

    default_data = data["default"]
    if not isinstance(default_data, Mapping) or set(default_data) != {"answer"}:
        raise fail("default must be a mapping with only an answer")
    default_reply, default_places = render(default_data["answer"], "default.answer")
    default = ServiceTopic(
        id=DEFAULT_TOPIC_ID, name="其他", reply=default_reply, places=default_places
    )

    return ServiceGuide(
        topics=tuple(topics),
        default=default,
        places=MappingProxyType(places),
        snippets=MappingProxyType(snippets),
        spellings=MappingProxyType(spellings),
        example_note=example_note,
        max_gap=max_gap,
        path=source_name,
    )


def _text(value: Any, label: str, fail) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{label} must be a non-empty text (got {value!r})")
    return value.strip()


def _spellings(entries: Any, fail) -> dict[str, str]:
    """``{typed form: standard form}`` from ``{standard: [forms]}``, lower-cased and
    width-normalised."""
    if not isinstance(entries, Mapping):
        raise fail("spellings must be a mapping of standard form: [forms people type]")
    table: dict[str, str] = {}
    for standard, forms in entries.items():
        if not isinstance(standard, str) or not standard.strip():
            raise fail(f"spellings: {standard!r} is not a text")
        if not isinstance(forms, list) or not forms:
            raise fail(f"spellings.{standard} must be a non-empty list of forms")
        target = normalize_text(standard.strip()).lower()
        for form in forms:
            if not isinstance(form, str) or not form.strip():
                raise fail(f"spellings.{standard}: {form!r} is not a text")
            key = normalize_text(form.strip()).lower()
            if key == target:
                raise fail(f"spellings.{standard}: {form} is the standard form itself")
            if key in table and table[key] != target:
                raise fail(f"spellings: {form} is listed under both {table[key]} and {target}")
            table[key] = target
    loops = sorted(form for form in table if form in table.values())
    if loops:
        raise fail(f"spellings: {', '.join(loops)} is both a typed form and a standard form")
    return table


def _places(entries: Any, fail) -> dict[str, Place]:
    if not isinstance(entries, Mapping) or not entries:
        raise fail("places must be a non-empty mapping of name: {text, source}")
    places: dict[str, Place] = {}
    for name, entry in entries.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise fail(f"places: {name!r} must be a lower-case name like service_center")
        if not isinstance(entry, Mapping) or set(entry) != {"text", "source"}:
            raise fail(f"places.{name} must be a mapping with exactly text and source")
        if entry["source"] not in PLACE_SOURCES:
            raise fail(
                f"places.{name}.source must be one of {', '.join(PLACE_SOURCES)} (got"
                f" {entry['source']!r})"
            )
        text = _text(entry["text"], f"places.{name}.text", fail)
        if "{" in text or "}" in text:
            raise fail(f"places.{name}.text must not contain {{ or }}")
        places[name] = Place(name=name, text=text, source=entry["source"])
    return places


def _snippets(entries: Any, fail) -> dict[str, str]:
    if not isinstance(entries, Mapping):
        raise fail("snippets must be a mapping of name: text")
    snippets: dict[str, str] = {}
    for name, text in entries.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise fail(f"snippets: {name!r} must be a lower-case name like help")
        value = _text(text, f"snippets.{name}", fail)
        if "{" in value or "}" in value:
            raise fail(f"snippets.{name} must not contain {{ or }}")
        snippets[name] = value
    return snippets


def _words(values: Any, label: str, normalise, fail) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise fail(f"{label} must be a list of words")
    words = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or GAP in value:
            raise fail(f"{label}: {value!r} must be a plain non-empty word")
        words.append(_SPACES.sub("", normalise(value.strip())))
    return tuple(words)


def _keywords(entries: Any, label: str, normalise, max_gap: int, fail) -> tuple[Keyword, ...]:
    if not isinstance(entries, list) or not entries:
        raise fail(f"{label}.keywords must be a non-empty list")
    keywords: list[Keyword] = []
    seen: set[tuple[str, ...]] = set()
    for entry in entries:
        unless: tuple[str, ...] = ()
        if isinstance(entry, Mapping):
            extra = sorted(str(k) for k in entry if k not in ("match", "unless"))
            if extra or "match" not in entry:
                raise fail(f"{label}.keywords: {dict(entry)!r} must be a text or {{match, unless}}")
            unless = _words(
                entry.get("unless") or [],
                f"{label}.keywords[{entry['match']!r}].unless",
                normalise,
                fail,
            )
            entry = entry["match"]
        if not isinstance(entry, str) or not entry.strip():
            raise fail(f"{label}.keywords: {entry!r} is not a text")
        pieces = tuple(_SPACES.sub("", normalise(piece)) for piece in entry.strip().split(GAP))
        if not all(pieces):
            raise fail(f"{label}.keywords: {entry!r} has an empty piece around {GAP}")
        if any(_CLAUSE_BREAKS.search(piece) for piece in pieces):
            raise fail(
                f"{label}.keywords: {entry!r} contains punctuation that splits a message into"
                " clauses"
            )
        if pieces in seen:
            raise fail(f"{label}.keywords: {entry!r} is listed twice")
        seen.add(pieces)
        keywords.append(Keyword(text=entry.strip(), pieces=pieces, unless=unless, max_gap=max_gap))
    return tuple(keywords)


__all__ = [
    "ENV_VAR",
    "GAP",
    "Keyword",
    "Place",
    "ServiceGuide",
    "ServiceGuideError",
    "ServiceMatch",
    "ServiceTopic",
    "clear_service_guide_cache",
    "load_service_guide",
    "normaliser",
    "parse_service_guide",
]
