"""The canonical JSON form of the records: ``to_dict`` (dataclasses -> dicts, tuples -> lists) and
``from_dict`` (back, ignoring unknown keys so newer minor versions stay readable)."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar, Union

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """JSON-ready form of a record tree (dataclasses -> dicts, tuples -> lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(args[0], value) if len(args) == 1 else value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return from_dict(tp, value)
    if origin is tuple:
        targs = typing.get_args(tp)
        inner = targs[0] if targs else Any
        return tuple(_convert(inner, v) for v in value)
    if origin is dict:
        _, vt = typing.get_args(tp) or (Any, Any)
        return {k: _convert(vt, v) for k, v in value.items()}
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a record tree from :func:`to_dict` output; unknown keys are ignored (newer minor
    versions may add fields), missing keys take the field default."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


#: Skip reasons that mean a visit was attempted and failed (others are crawl choices: robots, off-site…).
