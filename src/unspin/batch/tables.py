"""A Report as table rows: ``articles``, one table per report layer, and ``failures``.

The tables mirror :class:`unspin.report.Report` and are derived from its pydantic models,
so a layer another stage adds to the report becomes a table (or a column) without edits
here; the resulting Arrow schemas are explicit values that ``tests/batch/test_tables.py``
pins, so a change to the report shows up as a deliberate schema change.

Rules (applied recursively to the models' field annotations):

- every ``list[Model]`` field of the Report becomes its own table (``actors``, ``quotes``,
  ``techniques``, ``narratives``, ``roles``, ``removed``, …), except those listed in
  :data:`NESTED_IN_ARTICLES`, which stay list-of-struct columns of ``articles``;
- layer rows start with ``article_id`` (the report's ``id``) and ``index`` (the position in
  the report's list, so ``ORDER BY article_id, index`` restores the report's order);
- a nested model is flattened into ``<field>_<subfield>`` columns (``content_start``);
  ``Optional[Model]`` gives nullable columns, all null when the value is ``None``;
- ``list[Model]`` inside a row is a ``list<struct>``; ``list[str]`` a ``list<string>``;
  ``dict[str, float]`` a ``map<string, double>``; ``int`` is int64, ``float`` double,
  ``Literal[...]`` and ``str`` are strings.

Spans keep the report's convention: ``[start, end)`` character offsets into the article's
``text`` (``removed.start/end`` index ``raw_text``).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

import pyarrow as pa
from pydantic import BaseModel

from unspin.report.models import Report

__all__ = [
    "FAILURES_SCHEMA",
    "LAYER_TABLES",
    "NESTED_IN_ARTICLES",
    "SCHEMAS",
    "TABLES",
    "failure_row",
    "report_from_rows",
    "report_to_rows",
]

#: Report list fields kept as nested columns of ``articles`` rather than tables of their own.
NESTED_IN_ARTICLES: frozenset[str] = frozenset({"sentences", "entities", "warnings"})

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(),
}


@dataclass(frozen=True)
class _Column:
    name: str
    path: tuple[str, ...]
    type: pa.DataType
    is_map: bool = False


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
        raise TypeError(f"unsupported union {tp!r} in the report models")
    return tp, False


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _arrow_type(tp: Any) -> pa.DataType:
    """The Arrow type of one (possibly nested) field annotation."""
    tp, _ = _strip_optional(tp)
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    if origin is Literal:
        return pa.string()
    if origin is list:
        (item,) = typing.get_args(tp)
        return pa.list_(_arrow_type(item))
    if origin is dict:
        key, value = typing.get_args(tp)
        return pa.map_(_arrow_type(key), _arrow_type(value))
    if _is_model(tp):
        return pa.struct([pa.field(name, _arrow_type(f.annotation))
                          for name, f in tp.model_fields.items()])
    raise TypeError(f"no Arrow type for {tp!r}; extend unspin.batch.tables")


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[_Column]:
    cols: list[_Column] = []
    for name, field in model.model_fields.items():
        tp, _ = _strip_optional(field.annotation)
        path = (*prefix, name)
        if _is_model(tp):
            cols.extend(_columns(tp, path))
        else:
            cols.append(_Column("_".join(path), path, _arrow_type(tp),
                                is_map=typing.get_origin(tp) is dict))
    return cols


def _optional_models(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of ``Optional[Model]`` fields (None when all their columns are null)."""
    out: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        tp, optional = _strip_optional(field.annotation)
        if _is_model(tp):
            path = (*prefix, name)
            if optional:
                out.append(path)
            out.extend(_optional_models(tp, path))
    return out


def _layer_fields() -> dict[str, type[BaseModel]]:
    layers: dict[str, type[BaseModel]] = {}
    for name, field in Report.model_fields.items():
        tp, _ = _strip_optional(field.annotation)
        if typing.get_origin(tp) is list and name not in NESTED_IN_ARTICLES:
            (item,) = typing.get_args(tp)
            if _is_model(item):
                layers[name] = item
    return layers


_LAYER_MODELS = _layer_fields()
#: One table per report layer, in the report's field order.
LAYER_TABLES: tuple[str, ...] = tuple(_LAYER_MODELS)

_ARTICLE_COLUMNS = [c for c in _columns(Report) if c.path[0] not in _LAYER_MODELS]
_LAYER_COLUMNS = {name: _columns(model) for name, model in _LAYER_MODELS.items()}
_ARTICLE_OPTIONAL = [p for p in _optional_models(Report) if p[0] not in _LAYER_MODELS]
_LAYER_OPTIONAL = {name: _optional_models(model) for name, model in _LAYER_MODELS.items()}

_ARTICLES_SCHEMA = pa.schema(
    [pa.field("input", pa.string(), nullable=False,
              metadata={"description": "where the record was read from (path, path:line, path@offset, URL)"})]
    + [pa.field(c.name, c.type) for c in _ARTICLE_COLUMNS]
)

FAILURES_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("stage", pa.string(), nullable=False),
    pa.field("code", pa.string(), nullable=False),
    pa.field("type", pa.string(), nullable=False),
    pa.field("message", pa.string(), nullable=False),
])

#: Every table's explicit Arrow schema, keyed by table name.
SCHEMAS: dict[str, pa.Schema] = {
    "articles": _ARTICLES_SCHEMA,
    **{name: pa.schema([pa.field("article_id", pa.string(), nullable=False),
                        pa.field("index", pa.int64(), nullable=False)]
                       + [pa.field(c.name, c.type) for c in cols])
       for name, cols in _LAYER_COLUMNS.items()},
    "failures": FAILURES_SCHEMA,
}
#: Table names in writing order.
TABLES: tuple[str, ...] = tuple(SCHEMAS)


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if data is None:
            return None
        data = data.get(key)
    return data


def _flatten(data: dict[str, Any], cols: list[_Column]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for c in cols:
        row[c.name] = _get(data, c.path)  # a map column's value stays a dict
    return row


def report_to_rows(report: Report, *, input: str) -> dict[str, list[dict[str, Any]]]:
    """The rows ``report`` contributes to each table (``failures`` excluded)."""
    data = report.model_dump(mode="python")
    rows: dict[str, list[dict[str, Any]]] = {
        "articles": [{"input": input, **_flatten(data, _ARTICLE_COLUMNS)}],
    }
    for name, cols in _LAYER_COLUMNS.items():
        rows[name] = [{"article_id": report.id, "index": i, **_flatten(item, cols)}
                      for i, item in enumerate(data[name])]
    return rows


def _unflatten(row: dict[str, Any], cols: list[_Column],
               optional: list[tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in cols:
        value = row.get(c.name)
        if c.is_map and value is not None:  # Arrow reads maps back as (key, value) pairs
            value = dict(value)
        node = out
        for key in c.path[:-1]:
            node = node.setdefault(key, {})
        node[c.path[-1]] = value
    for path in sorted(optional, key=len, reverse=True):
        parent = _get(out, path[:-1]) if len(path) > 1 else out
        if isinstance(parent, dict):
            value = parent.get(path[-1])
            if isinstance(value, dict) and all(v is None for v in value.values()):
                parent[path[-1]] = None
    return out


def report_from_rows(article: dict[str, Any],
                     layers: dict[str, list[dict[str, Any]]]) -> Report:
    """Rebuild a Report from its ``articles`` row and its layer rows (any order)."""
    data = _unflatten(article, _ARTICLE_COLUMNS, _ARTICLE_OPTIONAL)
    for name, cols in _LAYER_COLUMNS.items():
        items = sorted(layers.get(name, []), key=lambda r: int(r["index"]))
        data[name] = [_unflatten(r, cols, _LAYER_OPTIONAL[name]) for r in items]
    return Report.model_validate(data)


def failure_row(*, id: str, source: str, stage: str, code: str, type: str,
                message: str) -> dict[str, str]:
    """One row of the ``failures`` table."""
    return {"id": id, "source": source, "stage": stage, "code": code, "type": type,
            "message": message}
