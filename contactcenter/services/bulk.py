"""One UPDATE for many rows with different values (the router's batches).

`QuerySet.bulk_update` builds a CASE WHEN per row and field, and building it costs more than
running it; this joins the table to a VALUES list instead:

    UPDATE t SET a = v.column2, b = v.column3 FROM (VALUES (%s, %s, %s), ...) AS v WHERE t.key = v.column1

PostgreSQL and SQLite (3.33+) both name a VALUES list's columns column1, column2...
"""

from django.db import connection


def update_rows(model, key: str, columns: list[str], rows: list[tuple]) -> None:
    """Set `columns` on the rows whose `key` is each tuple's first value (the rest: the columns,
    in order). Column names are attnames (e.g. assignee_id), never user input."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in (key, *columns)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    first = one_row
    if connection.vendor == "postgresql":
        # VALUES parameters arrive untyped: cast the first row's to their columns' types.
        first = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"
    placeholders = ", ".join([first] + [one_row] * (len(rows) - 1))
    assignments = ", ".join(f"{quote(field.column)} = v.column{i + 2}" for i, field in enumerate(fields[1:]))
    params = [
        field.get_db_prep_save(value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {placeholders}) AS v "
        f"WHERE {table}.{quote(fields[0].column)} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
