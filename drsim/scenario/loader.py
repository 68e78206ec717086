"""Load scenario YAML into a validated :class:`Scenario`, with messages a user can act on.

Every problem becomes one line ``FILE:LINE: field.path: what is wrong and what
is allowed``; values from ``--set`` are named as such instead of a line.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drsim.errors import ScenarioError
from drsim.scenario.locate import bundled_file, no_bundled, scenario_file
from drsim.scenario.model import Scenario
from drsim.scenario.paths import PathError, fields_at, resolve, set_in


def load_scenario(scenario: str | os.PathLike | Scenario,
                  overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, override and validate a scenario.

    Parameters
    ----------
    scenario : a path to a YAML scenario, the name of a bundled scenario
        (``seed-warm-standby``, see :mod:`drsim.scenario.locate`), or a
        :class:`Scenario` (returned as it is when there are no overrides).
    overrides : ``"dotted.path=value"`` strings (values parsed as YAML) or a
        mapping of dotted path to value, applied before validation.

    Raises
    ------
    ScenarioError
        naming the file, line, field path and what is allowed.
    """
    if isinstance(scenario, Scenario):
        return apply_overrides_to_scenario(scenario, overrides) if overrides else scenario
    p = scenario_file(scenario)
    # Messages name the file as the user wrote it; a bundled name by the file it found.
    source = os.fspath(scenario) if p == Path(scenario) else str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, [f"{source}: is not UTF-8 text; a scenario is a YAML file"]) from None
    except OSError as err:
        raise ScenarioError(source, [f"{source}: cannot be read ({err.strerror})"]) from None
    return scenario_from_yaml(text, source=source, overrides=overrides, base_dir=p.parent)


def scenario_from_yaml(text: str, source: str = "<string>", overrides=(),
                       base_dir: str | os.PathLike | None = None) -> Scenario:
    """Validate a scenario given as YAML text (see :func:`load_scenario`).

    ``extends: OTHER.yaml`` (relative to ``base_dir``, the file's folder; when no
    such file is there, the bundled scenario of that name, so ``extends:
    seed-warm-standby`` works from anywhere) starts from another scenario:
    sections merge field by field, lists (runbook, datastores) and plain values
    replace the base's, ``sources`` add up.
    """
    data, lines = _parse(text, source)
    if isinstance(data, dict) and "extends" in data:
        data, lines = _extend(data, lines, source, Path(base_dir or "."), chain=(source,))
    return scenario_from_dict(data, source=source, overrides=overrides, lines=lines)


def _extend(data: dict, lines: dict, source: str, base_dir: Path, chain: tuple) -> tuple[dict, dict]:
    ref = data.pop("extends")
    where = lines.get(("extends",), source)
    if not isinstance(ref, str) or not ref:
        raise ScenarioError(source, [f"{where}: extends: expected the path of another scenario file"])
    base_path = base_dir / ref
    if not base_path.is_file():
        # A file beside the extending one wins; otherwise a bundled name works from anywhere.
        bundled = bundled_file(ref)
        if bundled is None:
            problem = f"{where}: extends: no such file {str(base_path)!r}, and {no_bundled(ref)}"
            raise ScenarioError(source, [problem])
        base_path = bundled
    base_source = str(base_path)
    if base_source in chain:
        raise ScenarioError(source, [f"{where}: extends: {ref!r} extends itself through "
                                     + " -> ".join(chain)])
    base, base_lines = _parse(base_path.read_text(encoding="utf-8"), base_source)
    if not isinstance(base, dict):
        raise ScenarioError(source, [f"{where}: extends: {base_source} is not a scenario mapping"])
    if "extends" in base:
        base, base_lines = _extend(base, base_lines, base_source, base_path.parent,
                                   chain + (base_source,))
    merged_lines = dict(base_lines)
    merged_lines.update(lines)
    merged = _merge(base, data)
    _drop_stale_sources(merged, base, data)
    return merged, merged_lines


def _drop_stale_sources(merged: dict, base: dict, top: dict) -> None:
    """Forget inherited sources of fields the extending file replaced (e.g. a runbook step it dropped)."""
    sources = merged.get("sources")
    if not isinstance(sources, dict):
        return
    own = top.get("sources") or {}
    for key in list(sources):
        if key in own:
            continue
        try:
            resolve(base, key)
        except PathError:
            continue  # the base names a default-valued field; keep it for validation
        try:
            resolve(merged, key)
        except PathError:
            del sources[key]


def _merge(base: Any, top: Any) -> Any:
    # A distribution written whole (with its dist tag) is one value, not a section: merged
    # into the base's, a lognormal would keep a uniform's low and high and fail.
    if isinstance(base, dict) and isinstance(top, dict) and "dist" not in top:
        out = dict(base)
        for key, value in top.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return top


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>", overrides=(),
                       lines: dict[tuple, str] | None = None) -> Scenario:
    """Validate a scenario given as plain data (as YAML would load it)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(source, [f"{source}: a scenario is a mapping of fields "
                                     f"(name, strategy, regions, ...), not a {type(data).__name__}"])
    raw = copy.deepcopy(dict(data))
    overridden = _apply_overrides(raw, overrides, source)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(source, _describe(err, raw, source, lines or {}, overridden)) from None


def apply_overrides_to_scenario(scenario: Scenario, overrides) -> Scenario:
    """A validated copy of ``scenario`` with ``overrides`` applied."""
    from drsim.scenario.derive import raw_without_derived

    raw = raw_without_derived(scenario, scenario.model_dump(mode="json", exclude_defaults=False))
    return scenario_from_dict(raw, source=f"scenario {scenario.name!r}", overrides=overrides)


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``"dotted.path=value"``; the value is read as YAML (``10``, ``true``, ``{dist: fixed, value: 3}``)."""
    if "=" not in item:
        raise ValueError("expected dotted.path=value, e.g. health_check.interval_s=10")
    key, _, text = item.partition("=")
    key = key.strip()
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError as err:
        raise ValueError(f"the value is not valid YAML ({_yaml_problem(err)})") from None
    return key, value


def _apply_overrides(raw: dict, overrides, source: str) -> dict[tuple, str]:
    """Apply overrides in place; returns {path: label} for messages: ``--set k=v`` for
    the command line's strings, ``override k=v`` for a mapping given from code (a sweep,
    a notebook's parameters), which no ``--set`` typed."""
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    overridden: dict[tuple, str] = {}
    problems = []
    for item in items:
        label = f"--set {item}" if isinstance(item, str) else f"override {item[0]}={item[1]}"
        try:
            key, value = parse_override(item) if isinstance(item, str) else item
            loc = set_in(raw, key, value)
            overridden[loc] = label
        except (ValueError, PathError) as err:
            problems.append(f"{source} ({label}): {err}")
    if problems:
        raise ScenarioError(source, problems)
    return overridden


# --- YAML with line numbers ------------------------------------------------------------


def _parse(text: str, source: str) -> tuple[Any, dict[tuple, str]]:
    if not text.strip():
        raise ScenarioError(source, [f"{source}: is empty; a scenario needs at least name, "
                                     "strategy and regions"])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise ScenarioError(source, [f"{source}:{_yaml_line(err)}: not valid YAML: "
                                     f"{_yaml_problem(err)}"]) from None
    if node is None:
        raise ScenarioError(source, [f"{source}: holds no YAML document; a scenario needs at "
                                     "least name, strategy and regions"])
    lines: dict[tuple, str] = {}
    problems: list[str] = []
    _index_lines(node, (), lines, problems, source)
    if problems:
        raise ScenarioError(source, problems)
    data = yaml.safe_load(text)
    return data, lines


def _index_lines(node, path, lines, problems, source):
    lines[path] = f"{source}:{node.start_mark.line + 1}"
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(f"{source}:{line}: {_dotted(path + (key,), None)}: appears twice "
                                f"(first on line {seen[key]}); keep one")
            seen[key] = line
            _index_lines(value_node, path + (key,), lines, problems, source)
            lines[path + (key,)] = f"{source}:{line}"
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), lines, problems, source)


def _yaml_line(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    return str(mark.line + 1) if mark is not None else "?"


def _yaml_problem(err: yaml.YAMLError) -> str:
    parts = [getattr(err, "context", None), getattr(err, "problem", None)]
    text = ", ".join(p for p in parts if p)
    return text or str(err).splitlines()[0]


# --- pydantic errors as user messages -----------------------------------------------------


def _describe(err: ValidationError, raw: dict, source: str, lines: dict, overridden: dict) -> list[str]:
    out: list[str] = []
    for e in err.errors(include_url=False):
        if e["type"] == "drsim_check":
            for path, message in e["ctx"]["problems"]:
                out.append(_line(source, tuple(path), message, raw, lines, overridden))
            continue
        loc = _clean_loc(e["loc"], raw)
        out.append(_line(source, loc, _message(e, loc, raw), raw, lines, overridden))
    return out


def _line(source, loc, message, raw, lines, overridden) -> str:
    for n in range(len(loc), -1, -1):
        if loc[:n] in overridden:
            where = f"{source} ({overridden[loc[:n]]})"
            break
    else:
        where = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), source)
    return f"{where}: {_dotted(loc, raw)}: {message}" if loc else f"{where}: {message}"


def _clean_loc(loc: tuple, raw: Any) -> tuple:
    """Drop the union tags pydantic puts in locations, keeping real keys and indexes."""
    out, obj = [], raw
    for seg in loc:
        if isinstance(obj, dict) and seg in obj:
            out.append(seg)
            obj = obj[seg]
        elif isinstance(obj, list) and isinstance(seg, int) and seg < len(obj):
            out.append(seg)
            obj = obj[seg]
        elif isinstance(seg, str) and (seg.startswith("function-") or isinstance(obj, dict)
                                       and seg in _union_tags(obj)):
            continue  # a tag or validator label, not a field
        else:
            out.append(seg)
            obj = None
    return tuple(out)


def _union_tags(obj: dict) -> set:
    return {obj.get("dist"), obj.get("kind")} - {None}


def _dotted(loc: tuple, raw: Any) -> str:
    parts: list[str] = []
    obj = raw
    for seg in loc:
        if isinstance(seg, int):
            item = obj[seg] if isinstance(obj, list) and seg < len(obj) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{name if isinstance(name, str) else seg}]"]
            obj = item
        else:
            parts.append(str(seg))
            obj = obj.get(seg) if isinstance(obj, dict) else None
    return ".".join(parts)


_MESSAGES = {
    "missing": "is required but missing",
    "int_type": "{value!r} is not a whole number",
    "int_parsing": "{value!r} is not a whole number",
    "int_from_float": "{value!r} is not a whole number",
    "float_type": "{value!r} is not a number",
    "float_parsing": "{value!r} is not a number",
    "finite_number": "{value!r} is not a finite number",
    "bool_type": "{value!r} is not true or false",
    "bool_parsing": "{value!r} is not true or false",
    "string_type": "{value!r} is not text",
    "model_type": "expected a section (a mapping of fields), got {value!r}",
    "model_attributes_type": "expected a section (a mapping of fields), got {value!r}",
    "dict_type": "expected a section (a mapping of fields), got {value!r}",
    "tuple_type": "expected a list, got {value!r}",
    "list_type": "expected a list, got {value!r}",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}
"""Pydantic error types whose message needs only the input value."""

_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
           "less_than": "<"}


def _message(e: dict, loc: tuple, raw: Any) -> str:
    """One pydantic error as the short, actionable text drsim prints after the field path."""
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(value=value)
    if kind == "extra_forbidden":
        return _unknown_field(loc, raw)
    if kind == "literal_error":
        return f"{value!r} is not one of {_plain(ctx.get('expected', ''))}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _union_tag(kind, ctx)
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"{value!r} is out of range; must be {_BOUNDS[kind]} {bound}"
    msg = e["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg


def _unknown_field(loc: tuple, raw: Any) -> str:
    allowed = fields_at(Scenario, raw, loc[:-1]) or []
    name = str(loc[-1]) if loc else "?"
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"allowed fields: {', '.join(allowed)}"
    return f"unknown field; {hint}" if loc else f"unknown field {name!r}; {hint}"


def _union_tag(kind: str, ctx: dict) -> str:
    """A tagged section (a distribution's ``dist``) with a wrong or missing tag."""
    if kind == "union_tag_invalid":
        return (f"{ctx.get('discriminator', 'tag').strip(chr(39))} {ctx.get('tag')!r} is not one of "
                f"{_plain(ctx.get('expected_tags', ''))}")
    tag = ctx.get("discriminator", "").strip("'")
    if tag == "dist":
        return ("needs a distribution such as {dist: fixed, value: 30} or "
                "{dist: lognormal, p50: 45, p95: 120} (dist is one of fixed, uniform, "
                "triangular, lognormal, empirical)")
    return f"needs a {tag!r} field"


def _plain(expected: str) -> str:
    """``"'HTTP', 'HTTPS' or 'TCP'"`` -> ``"HTTP, HTTPS, TCP"``."""
    return expected.replace(" or ", ", ").replace("'", "")
