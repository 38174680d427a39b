"""Batched inserts and updates of one model's rows: one prepared statement, many rows.

A roster import writes hundreds of thousands of rows. Django's ``bulk_create`` prepares every
value of every row through the field and the SQL compiler (about 100 µs a row), which is
most of an import's time; the statement itself is cheap. :class:`RowTable` converts values
with the database backend's own adapters, once per distinct date or time, and hands whole
batches to ``executemany`` on SQLite and PostgreSQL alike. Every column is written: values
not given take the field's default, and ``auto_now`` fields the time of the import.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connections, models, router

__all__ = ["RowTable"]

BATCH = 5000


def _batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _cached(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Adapt each distinct value once (dates and stamps repeat across thousands of rows)."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        found = seen.get(value)
        if found is None:
            found = seen[value] = adapt(value)
        return found

    return convert


class RowTable:
    """Writes rows of ``model`` given as ``{attname: value}`` mappings."""

    def __init__(self, model: type[models.Model], *, now: datetime.datetime) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        self.fields = [field for field in meta.concrete_fields if not field.primary_key]
        self.pk_column = meta.pk.column
        self.converters = {field.attname: self._converter(field) for field in self.fields}
        self.defaults: dict[str, Any] = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = self.convert(field.attname, now)
            elif field.has_default():
                self.defaults[field.attname] = self.convert(field.attname, field.get_default())
            elif field.null:
                self.defaults[field.attname] = None

    def _converter(self, field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        ops = self.connection.ops
        connection = self.connection
        if isinstance(field, models.JSONField):
            return lambda value: field.get_db_prep_save(value, connection)
        if isinstance(field, models.DateTimeField):
            return _cached(ops.adapt_datetimefield_value)
        if isinstance(field, models.DateField):
            return _cached(ops.adapt_datefield_value)
        if isinstance(
            field,
            models.CharField
            | models.TextField
            | models.BooleanField
            | models.IntegerField
            | models.ForeignKey,
        ):
            return None
        return lambda value: field.get_db_prep_save(value, connection)

    def convert(self, attname: str, value: Any) -> Any:
        converter = self.converters[attname]
        return value if converter is None or value is None else converter(value)

    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def insert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert every row; returns how many."""
        names = [field.attname for field in self.fields]
        columns = ", ".join(self._quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        sql = f"INSERT INTO {self._quote(self.model._meta.db_table)} ({columns}) VALUES ({marks})"
        plan = [(name, self.converters[name], self.defaults.get(name, _REQUIRED)) for name in names]
        count = 0
        with self.connection.cursor() as cursor:
            for batch in _batches(rows):
                params = []
                for row in batch:
                    values = []
                    for name, converter, default in plan:
                        value = row.get(name, _REQUIRED)
                        if value is _REQUIRED:
                            if default is _REQUIRED:
                                raise ValueError(f"{self.model.__name__}.{name} needs a value")
                            values.append(default)
                        elif value is None or converter is None:
                            values.append(value)
                        else:
                            values.append(converter(value))
                    params.append(values)
                cursor.executemany(sql, params)
                count += len(batch)
        return count

    def select(self, names: Sequence[str]) -> Iterator[list[Any]]:
        """Every row's values of the columns ``names`` (attnames; ``pk`` for the key), as
        Python values: booleans, dates and JSON decoded the same on SQLite and PostgreSQL."""
        meta = self.model._meta
        fields: list[Any] = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
        columns = ", ".join(self._quote(field.column) for field in fields)
        readers = [_reader(field) for field in fields]
        converting = [(index, read) for index, read in enumerate(readers) if read is not None]
        sql = f"SELECT {columns} FROM {self._quote(meta.db_table)}"
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            while True:
                batch = cursor.fetchmany(BATCH)
                if not batch:
                    break
                for found in batch:
                    values = list(found)
                    for index, read in converting:
                        value = values[index]
                        if value is not None:
                            values[index] = read(value)
                    yield values

    def update(self, names: Sequence[str], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
        """Set the columns ``names`` of each ``(pk, {attname: value})`` row."""
        by_name = {field.attname: field for field in self.fields}
        assignments = ", ".join(f"{self._quote(by_name[name].column)} = %s" for name in names)
        sql = (
            f"UPDATE {self._quote(self.model._meta.db_table)} SET {assignments} "
            f"WHERE {self._quote(self.pk_column)} = %s"
        )
        count = 0
        with self.connection.cursor() as cursor:
            for batch in _batches(rows):
                params = [
                    [*(self.convert(name, values[name]) for name in names), pk]
                    for pk, values in batch
                ]
                cursor.executemany(sql, params)
                count += len(batch)
        return count


_REQUIRED = object()


def _reader(field: Any) -> Callable[[Any], Any] | None:
    """How to turn what the driver returns for ``field`` into the Python value (SQLite gives
    dates and JSON as text and booleans as integers; PostgreSQL gives dates as dates)."""
    if isinstance(field, models.JSONField):
        seen: dict[str, Any] = {}

        def read_json(value: Any) -> Any:
            if not isinstance(value, str):
                return value
            found = seen.get(value)
            if found is None:
                found = json.loads(value)
                if len(value) < 64:  # shared, never changed: the planner only compares
                    seen[value] = found
            return found

        return read_json
    if isinstance(field, models.DateTimeField):
        return lambda value: field.to_python(value)
    if isinstance(field, models.DateField):
        dates: dict[Any, Any] = {}

        def read_date(value: Any) -> Any:
            if isinstance(value, datetime.date):
                return value
            found = dates.get(value)
            if found is None:
                found = dates[value] = datetime.date.fromisoformat(value)
            return found

        return read_date
    if isinstance(field, models.BooleanField):
        return bool
    return None
