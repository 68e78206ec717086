"""Dotted paths into a scenario: ``health_check.interval_s``, ``runbook.promote_database.duration_s``.

Items of a list are addressed by index (``runbook.0``) or by their ``name``
(``runbook.promote_database``). Used by ``--set`` overrides, by the
``sources`` section and to suggest the closest field name for a typo.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel


class PathError(ValueError):
    """A dotted path that names nothing."""


def split(dotted: str) -> list[str]:
    parts = dotted.split(".")
    if not dotted or any(not p for p in parts):
        raise PathError(f"{dotted!r} is not a dotted path such as health_check.interval_s")
    return parts


def _list_index(items, seg: str, where: str) -> int:
    """Index of ``seg`` (a number or an item's name) in ``items``."""
    if seg.lstrip("-").isdigit():
        i = int(seg)
        if not 0 <= i < len(items):
            raise PathError(f"{where} has {len(items)} items; index {i} is out of range")
        return i
    names = [_name_of(item) for item in items]
    if seg in names:
        return names.index(seg)
    known = [n for n in names if n is not None]
    hint = difflib.get_close_matches(seg, known, n=1)
    raise PathError(
        f"{where} has no item named {seg!r}"
        + (f" (did you mean {hint[0]!r}?)" if hint else "")
        + (f"; items are: {', '.join(known)}" if known else "")
    )


def _name_of(item) -> str | None:
    if isinstance(item, dict):
        return item.get("name")
    return getattr(item, "name", None)


def resolve(obj: Any, dotted: str) -> Any:
    """The value at ``dotted`` inside a scenario (or any of its sections)."""
    where = []
    for seg in split(dotted):
        here = ".".join(where) or "the scenario"
        if isinstance(obj, (list, tuple)):
            obj = obj[_list_index(obj, seg, here)]
        elif isinstance(obj, BaseModel):
            fields = type(obj).model_fields
            if seg not in fields:
                raise PathError(f"{here} has no field {seg!r}{_hint(seg, fields)}")
            obj = getattr(obj, seg)
        elif isinstance(obj, dict):
            if seg not in obj:
                raise PathError(f"{here} has no key {seg!r}{_hint(seg, obj)}")
            obj = obj[seg]
        else:
            raise PathError(f"{here} is a value, not a section; it has no {seg!r}")
        where.append(seg)
    return obj


def set_in(raw: dict, dotted: str, value: Any) -> tuple:
    """Set ``dotted`` to ``value`` in raw (YAML) data; returns the path as keys and indexes.

    Missing sections are created, so ``decision.mode=manual`` works on a file
    without a ``decision`` section; whether the field exists is left to the
    validation that follows, which suggests the closest name.
    """
    parts = split(dotted)
    obj, loc = raw, []
    for k, seg in enumerate(parts):
        last = k == len(parts) - 1
        here = ".".join(map(str, loc)) or "the scenario"
        if isinstance(obj, list):
            i = _list_index(obj, seg, here)
            loc.append(i)
            if last:
                obj[i] = value
            else:
                obj = obj[i]
        elif isinstance(obj, dict):
            loc.append(seg)
            if last:
                obj[seg] = value
            else:
                if obj.get(seg) is None:
                    obj[seg] = {}
                obj = obj[seg]
        else:
            raise PathError(f"{here} is a value, not a section; it has no {seg!r}")
    return tuple(loc)


def fields_at(model: type[BaseModel], raw: Any, loc: tuple) -> list[str] | None:
    """Field names allowed at ``loc`` (a path into ``raw``), or None if unknown."""
    tp: Any = model
    for seg in loc:
        tp = _unwrap(tp, raw)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(seg) if isinstance(seg, str) else None
            if field is None:
                return None
            tp = field.annotation
            raw = raw.get(seg) if isinstance(raw, dict) else None
        elif get_origin(tp) in (tuple, list) and isinstance(seg, int):
            tp = get_args(tp)[0]
            raw = raw[seg] if isinstance(raw, list) and seg < len(raw) else None
        else:
            return None
    tp = _unwrap(tp, raw)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _unwrap(tp: Any, raw: Any) -> Any:
    """Strip Annotated/Optional and pick a tagged-union member by the raw tag."""
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = _pick_member(members, raw)
            if tp is None:
                return None
        else:
            return tp


def _pick_member(members: list[type[BaseModel]], raw: Any):
    if len(members) == 1:
        return members[0]
    if not isinstance(raw, dict):
        return None
    for member in members:
        for tag in ("dist", "kind"):
            field = member.model_fields.get(tag)
            if field is not None and raw.get(tag) in get_args(field.annotation):
                return member
    return None


def _hint(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
