"""Every table of a database as sorted rows, to show that two states are exactly the same."""

import duckdb


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Table name -> its rows in a fixed order, every column included."""
    with con.cursor() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = 'main'"
            ).fetchall()
        ]
        return {t: cur.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in sorted(tables)}


def without_data_version(state: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The state with meta's data version left out: every write, a restore too, moves it on."""
    return {**state, "meta": [row for row in state["meta"] if row[0] != "data_version"]}


def data_version(state: dict[str, list[tuple]]) -> int:
    return int(dict(state["meta"])["data_version"])
