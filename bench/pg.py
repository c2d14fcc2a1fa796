"""A generated benchmark database copied into PostgreSQL, for the same figures on PostgreSQL.

    python -m bench.pg SQLITE_FILE POSTGRES_URL

The PostgreSQL database named by the URL is dropped and made again, migrated as `init-db` does,
and every table's rows are copied from the SQLite file with COPY (the generator's bulk loader
writes SQLite only); each id sequence then continues after the highest id. The rows are the
generator's own, so both databases hold the same district, cases and history.
"""
import csv
import io
import sqlite3
import sys
import time
from urllib.parse import urlparse

BATCH = 50_000


def recreate(url):
    """Drop and create the database of `url` (connected through the server's `postgres` database)."""
    import psycopg2

    name = urlparse(url).path.lstrip("/")
    admin = psycopg2.connect(urlparse(url)._replace(path="/postgres").geturl())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def copy(sqlite_path, url):
    """Every table's rows from the SQLite file into the (migrated, emptied) PostgreSQL database."""
    from app.db import migrate
    from workflows.db import bind, open_database
    from workflows.models import MODELS

    recreate(url)
    database = bind(open_database(url))
    migrate(database)
    source = sqlite3.connect(sqlite_path)
    tables = [model._meta.table_name for model in MODELS]
    connection = database.connection()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        cursor.execute("SET session_replication_role = replica")  # foreign keys checked by the source already
        for table in tables:
            rows = source.execute(f'SELECT * FROM "{table}"')  # nosec B608 # model table names
            columns = ", ".join(f'"{d[0]}"' for d in rows.description)
            while batch := rows.fetchmany(BATCH):
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows([["\\N" if v is None else v for v in row] for row in batch])
                buffer.seek(0)
                cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')', buffer)
            if "id" in [d[0] for d in rows.description]:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                               f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE")
    connection.commit()
    database.close()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        raise SystemExit(__doc__)
    started = time.perf_counter()
    copy(*argv)
    print(f"copied {argv[0]} into {argv[1]} in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
