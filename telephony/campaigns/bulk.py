"""Bulk inserts and updates of many rows (the imports' write path), fast on SQLite and PostgreSQL.

Rows are tuples in the order of the ``columns`` given. Their values go through the column types'
bind processors (so what is stored is exactly what a Core statement would store), then:

* SQLite: the driver's ``executemany``. The database work per row is a few microseconds
  in-process; SQLAlchemy's per-row parameter handling would cost several times that.
* PostgreSQL: ``COPY`` (no round trip and no statement text per row); an update copies the new
  values into a temporary table, then one ``UPDATE ... FROM`` applies them.
* Anything else: a Core ``executemany``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, func, insert, select, update

Values = Sequence[Any]
Processors = list[tuple[int, Callable[[Any], Any]]]


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Values]) -> None:
    """Insert ``rows`` (tuples of ``columns``' values) into ``table``."""
    if not rows:
        return
    values = _processed(conn, table, columns, rows)
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, columns, values)
    elif conn.dialect.name == "sqlite":
        names, marks = ", ".join(_quoted(conn, columns)), ", ".join("?" for _ in columns)
        conn.exec_driver_sql(
            f"INSERT INTO {_quoted(conn, [table.name])[0]} ({names}) VALUES ({marks})", values
        )
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def update_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Values]) -> None:
    """Set ``columns`` on the rows of ``table`` whose ids the rows give: each row is
    ``(id, *values of columns)``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _update_from_copy(conn, table, columns, rows)
    elif conn.dialect.name == "sqlite":
        values = _processed(conn, table, ["id", *columns], rows)
        assignments = ", ".join(f"{name} = ?" for name in _quoted(conn, columns))
        sql = f"UPDATE {_quoted(conn, [table.name])[0]} SET {assignments} WHERE id = ?"
        conn.exec_driver_sql(sql, [(*row[1:], row[0]) for row in values])
    else:
        statement = update(table).where(table.c.id == bindparam("b_id"))
        conn.execute(
            statement, [{"b_id": row[0], **dict(zip(columns, row[1:], strict=True))} for row in rows]
        )


def insert_keyed(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Values],
    key: str,
    scope: tuple[Column[Any], Any],
) -> dict[Any, int]:
    """Insert ``rows`` into ``table``; the new rows' ids by their ``key`` column.

    ``key`` must be unique within ``scope``, a column and its value (the account number within a
    campaign). Neither ``COPY`` nor SQLite's ``executemany`` returns rows, so the new rows are
    read back: ids above the largest before the insert (ids only grow), within ``scope``, matched
    by ``key`` (never by position). The id range comes first: a scope column first would make
    SQLite walk the scope's index over every earlier row.
    """
    if not rows:
        return {}
    column, ids = table.c[key], table.c.id
    after = conn.execute(select(func.max(ids))).scalar() or 0
    insert_rows(conn, table, columns, rows)
    position = list(columns).index(key)
    wanted = {row[position] for row in rows}
    found = conn.execute(select(column, ids, scope[0]).where(ids > after)).all()
    return {value: int(row_id) for value, row_id, owner in found if owner == scope[1] and value in wanted}


def _quoted(conn: Connection, names: Sequence[str]) -> list[str]:
    return [conn.dialect.identifier_preparer.quote(name) for name in names]


def _processed(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Values]
) -> Sequence[Values]:
    """``rows`` with each value as the column's type binds it on this database."""
    processors: Processors = []
    for position, name in enumerate(columns):
        processor = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if processor is not None:
            processors.append((position, _memoised(processor)))
    if not processors:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for position, process in processors:
            values[position] = process(values[position])
        out.append(tuple(values))
    return out


def _memoised(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``processor`` remembering its answers for this call (rows share timestamps such as ``now``)."""
    seen: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = processor(value)
            return result
        except TypeError:  # unhashable (a JSON value)
            return processor(value)

    return process


def _copy(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Values]) -> None:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(_quoted(conn, columns))
    with cursor.copy(f"COPY {_quoted(conn, [table])[0]} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _update_from_copy(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Values]) -> None:
    staging = f"bulk_{uuid.uuid4().hex[:12]}"
    target = _quoted(conn, [table.name])[0]
    names = ", ".join(_quoted(conn, ["id", *columns]))
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {target} WITH NO DATA")
    _copy(conn, staging, ["id", *columns], _processed(conn, table, ["id", *columns], rows))
    assignments = ", ".join(f"{name} = s.{name}" for name in _quoted(conn, columns))
    conn.exec_driver_sql(f"UPDATE {target} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id")
    conn.exec_driver_sql(f"DROP TABLE {staging}")
