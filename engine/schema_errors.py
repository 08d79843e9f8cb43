"""Pydantic's validation errors in an editor's words, at the YAML line and column of the value
they are about: the field's label, what was found and what is expected."""
from __future__ import annotations

import re
import types
import typing

from pydantic import BaseModel, ValidationError

from . import field_types
from .problems import Problems, did_you_mean, shown
from .yaml_positions import Document


def _unwrap(annotation):
    """The model class inside Optional[...], tuple[..., ...] or Annotated[...], if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis and arg is not type(None):
                found = _unwrap(arg)
                if found is not None:
                    return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap(info.annotation)
        if model is None:
            return None
    return model


def _field_label(loc: tuple) -> str:
    label = ""
    for part in loc:
        label += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if label else part)
    return label


def _data_loc(loc: tuple, data, keep_last: bool) -> tuple:
    """The part of pydantic's loc that names places in the file (it adds union member names)."""
    kept, node = [], data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif keep_last and index == len(loc) - 1 and isinstance(part, str):
            pass
        else:
            continue
        kept.append(part)
    return tuple(kept)


def _describe(error: dict, model: type[BaseModel], data: dict, doc: Document) -> tuple[tuple, str, bool]:
    """(loc in the file, message, whether to point at the key rather than the value)."""
    kind, value = error["type"], error.get("input")
    loc = _data_loc(error["loc"], data, keep_last=kind == "missing")
    where = _field_label(loc)
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        choices = parent.model_fields if parent else ()
        hint = did_you_mean(loc[-1], choices) or (
            f"; allowed here: {', '.join(choices)}" if choices else "")
        where_in = f" in {_field_label(loc[:-1])}" if len(loc) > 1 else ""
        return loc, f'unknown key "{loc[-1]}"{where_in}{hint}', True
    if kind == "missing":
        parent = _model_at(model, loc[:-1])
        info = parent.model_fields.get(loc[-1]) if parent else None
        about = f" ({info.description})" if info and info.description else ""
        return loc[:-1], f'missing required field "{where}"{about}', True
    if loc in doc.coerced and kind in ("string_type", "literal_error", "string_pattern_mismatch"):
        raw = doc.coerced[loc]
        read_as = ("the yes/no value " + str(value).lower() if isinstance(value, bool)
                   else f"the number {value}")
        return loc, (f'{where}: YAML reads {raw} as {read_as}, not as text: put it in quotes, '
                     f'"{raw}"'), False
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        return loc, (f'{where}: "{value}" is not allowed{did_you_mean(value, allowed)}; '
                     f"use one of: {', '.join(allowed)}"), False
    if kind == "string_pattern_mismatch" and error["ctx"]["pattern"] == field_types.SLUG_PATTERN:
        return loc, (f'{where}: "{value}" is not a valid id: use lower-case letters, digits and '
                     "single hyphens, e.g. series-c-2018"), False
    if kind in ("too_short",) and isinstance(value, (list, tuple)):
        return loc, f"{where}: needs at least {error['ctx']['min_length']} entries", False
    if kind == "too_long" and isinstance(value, (list, tuple, dict)):
        return loc, (f"{where}: has {len(value)} entries; at most {error['ctx']['max_length']} "
                     "are allowed: keep the ones that matter"), False
    if kind == "string_too_short":
        return loc, f"{where}: must not be empty", False
    if kind in ("less_than", "greater_than") and isinstance(value, (int, float)) \
            and abs(error["ctx"].get("lt", error["ctx"].get("gt", 0))) == field_types.MAX_MAGNITUDE:
        return loc, (f"{where}: {value:.4g} is too large: numbers must be below 1e15 (a thousand "
                     "trillion)"), False
    expected = _TYPE_WORDS.get(kind)
    if expected:
        inner = _model_at(model, loc) if kind in ("dict_type", "model_type") else None
        names = f" ({', '.join(inner.model_fields)})" if inner else ""
        fix = (': write the text after the colon, in quotes if it starts with "[", "{" or "-"'
               if kind == "string_type" and isinstance(value, (list, dict)) else "")
        return loc, f"{where}: must be {expected.format(names=names)}, not {_what(value)}{fix}", False
    message = error["msg"].removeprefix("Value error, ")
    return loc, f"{where}: {message}" if where else message, False


# pydantic's type errors in an editor's words: what the field must be
_TYPE_WORDS = {
    "string_type": "text",
    "dict_type": 'a mapping of names to values{names}, each on a line of its own as "name: value"',
    "model_type": 'a mapping of names to values{names}, each on a line of its own as "name: value"',
    "list_type": 'a list: one entry per line, each starting with "- ", or [a, b] on one line',
    "tuple_type": 'a list: one entry per line, each starting with "- ", or [a, b] on one line',
    "int_type": "a whole number, written without quotes",
    "int_parsing": "a whole number, written without quotes",
    "int_from_float": "a whole number, written without quotes",
    "float_type": "a number, written without quotes, currency signs or thousands separators",
    "float_parsing": "a number, written without quotes, currency signs or thousands separators",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _what(value) -> str:
    """What a value YAML read is, in plain words."""
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if value is None:
        return "empty"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {shown(value, 40)}"
    return {dict: "a mapping", list: "a list", tuple: "a list"}.get(type(value), "something else")


def reported_empty(model: type[BaseModel], doc: Document, problems: Problems, what: str) -> bool:
    """An empty file (or only comments) is one problem saying so, not one per missing field."""
    if doc.data:
        return False
    needed = [name for name, info in model.model_fields.items()
              if info.is_required() and name not in ("id", "added", "updated")]
    needed += [name for name in ("added", "updated") if name in model.model_fields]
    start = ("start from the one `build.py new` writes" if what == "site.yaml"
             else f"copy another file of content/{doc.path.parent.name}/ as a start")
    empty = "the front matter is empty" if doc.body_line else "this file is empty"
    problems.add(doc.path, 1, 1, f"{empty}: {what} needs {', '.join(needed)} "
                 f"(each as \"name: value\" on a line of its own); {start}")
    return True


def validated(model: type[BaseModel], data: dict, doc: Document, problems: Problems):
    """The model made from the data, or None with a problem for each error, where it is."""
    try:
        return model.model_validate(data)
    except ValidationError as failure:
        errors = failure.errors(include_url=False)
        failed_inside = {error["loc"][:end] for error in errors for end in range(len(error["loc"]))}
        for error in errors:
            if error["type"] == "too_short" and error["loc"] in failed_inside:
                continue  # a list whose only entry is invalid: that entry's error says why
            loc, message, at_key = _describe(error, model, data, doc)
            if error["type"] == "invisible_character":  # point at the character itself
                position = doc.offset_position(loc, error["ctx"]["character"], 0)
            else:
                position = doc.position(loc, key=at_key)
            problems.add(doc.path, *position, message)
        return None
