"""FAQ notes: short answers to sub-questions an FAQ topic's own answer does not cover, as data.

``faq_notes.yml`` (or ``$FAQ_NOTES_FILE``) lists them; :meth:`FaqNotes.for_message` picks the
ones a message asks about for the topic the NLU chose, and ``action_faq_followup`` sends them
after the topic's answer::

    from bot.policy.faq_notes import load_faq_notes
    [note.id for note in load_faq_notes().for_message("grace_period", "花呗只还最低还款算逾期吗")]
    # ["minimum_payment"]

Keywords are matched as the service guide matches them (:class:`~bot.policy.service_guide.
Keyword`: width-normalised, lower-cased text; pieces joined by "…" must come in order, at most
``max_gap`` characters apart), inside one clause of the message.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.policy.loader import PolicyError, mapping_entries, read_yaml_file, resolve_data_file
from bot.policy.service_guide import Keyword, normaliser, split_clauses

ENV_VAR = "FAQ_NOTES_FILE"
PACKAGED_FILE = "faq_notes.yml"
_TOP_KEYS = ("version", "max_notes", "notes")
_NOTE_KEYS = ("id", "topics", "keywords", "unless", "answer")


class FaqNotesError(PolicyError):
    """The FAQ notes file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class FaqNote:
    id: str
    keywords: tuple[Keyword, ...]
    answer: str
    #: the FAQ topics after which the note may be sent; empty: after any topic
    topics: frozenset[str] = frozenset()
    unless: tuple[str, ...] = ()

    def applies(self, topic: str | None, clauses: list[str]) -> bool:
        """A keyword in one of the ``clauses``, no ``unless`` word in any, and the topic fits."""
        if self.topics and topic not in self.topics:
            return False
        if any(word in clause for clause in clauses for word in self.unless):
            return False
        return any(keyword.search(clause) for clause in clauses for keyword in self.keywords)


@dataclass(frozen=True)
class FaqNotes:
    notes: tuple[FaqNote, ...]
    max_notes: int = 2

    def for_message(self, topic: str | None, text: str) -> list[FaqNote]:
        """The notes ``text`` asks about after an answer on ``topic``, in file order."""
        clauses = split_clauses(_normalise(text))
        found = [note for note in self.notes if note.applies(topic, clauses)]
        return found[: self.max_notes]


#: width-normalised and lower-cased, as the service guide prepares a message (no spellings)
_normalise = normaliser({})


def load_faq_notes(path: str | os.PathLike[str] | None = None) -> FaqNotes:
    """The validated notes from ``path``, else ``$FAQ_NOTES_FILE``, else the packaged file
    (cached per resolved path)."""
    return _load_cached(resolve_data_file(path, ENV_VAR, PACKAGED_FILE))


def clear_faq_notes_cache() -> None:
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=16)
def _load_cached(resolved: str) -> FaqNotes:
    return parse_faq_notes(read_yaml_file(resolved, "FAQ notes file", FaqNotesError), resolved)


def parse_faq_notes(data: Any, source_name: str = "<FAQ notes>") -> FaqNotes:
    """Validate an already-parsed YAML mapping into :class:`FaqNotes` (no I/O)."""

    def fail(message: str) -> FaqNotesError:
        return FaqNotesError(f"FAQ notes file {source_name}: {message}")

    if not isinstance(data, Mapping):
        raise fail("the top level must be a mapping (version, max_notes, notes)")
    unknown = sorted(str(key) for key in data if key not in _TOP_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}")
    if data.get("version") != 1:
        raise fail(f"version must be 1 (got {data.get('version')!r})")
    max_notes = data.get("max_notes", 2)
    if isinstance(max_notes, bool) or not isinstance(max_notes, int) or not 1 <= max_notes <= 5:
        raise fail(f"max_notes must be a whole number from 1 to 5 (got {max_notes!r})")
    notes, seen = [], set()
    for label, entry in mapping_entries(
        data.get("notes"), "notes", _NOTE_KEYS, "id, keywords and answer", fail
    ):
        note_id = entry.get("id")
        if not isinstance(note_id, str) or not note_id.strip() or note_id in seen:
            raise fail(f"{label}: id must be a non-empty text, unique in the file")
        seen.add(note_id)
        answer = entry.get("answer")
        if not isinstance(answer, str) or not answer.strip():
            raise fail(f"{note_id}: answer must be a non-empty text")
        notes.append(
            FaqNote(
                id=note_id,
                keywords=tuple(
                    Keyword(text, tuple(_normalise(text).split("…")))
                    for text in _words(entry.get("keywords"), note_id, "keywords", fail)
                ),
                answer=answer.strip(),
                topics=frozenset(_words(entry.get("topics") or [], note_id, "topics", fail)),
                unless=tuple(_words(entry.get("unless") or [], note_id, "unless", fail)),
            )
        )
    return FaqNotes(notes=tuple(notes), max_notes=max_notes)


def _words(value: Any, note_id: str, key: str, fail) -> list[str]:
    """A list of non-empty texts, lower-cased (as the message is prepared)."""
    if not isinstance(value, list) or (key == "keywords" and not value):
        raise fail(f"{note_id}: {key} must be a list of texts")
    words = []
    for word in value:
        if not isinstance(word, str) or not word.strip() or "……" in word:
            raise fail(f"{note_id}: {key} must be a list of non-empty texts (got {word!r})")
        words.append(word.strip().lower())
    return words


__all__ = [
    "ENV_VAR",
    "FaqNote",
    "FaqNotes",
    "FaqNotesError",
    "clear_faq_notes_cache",
    "load_faq_notes",
    "parse_faq_notes",
]
