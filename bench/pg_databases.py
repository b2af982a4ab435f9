"""The PostgreSQL databases a bench writes into, for bench_pg_import, bench_pg_concurrent and
bench_migrate_to: on --url's server (dropped and created again: give one for benchmarks only),
else on a throwaway server started with tests/pg_server.py and stopped at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class BenchDatabases:
    fresh: Callable[[str | None], str]  # an empty database's URL (None: the bench's own one)
    data_dir: Path | None  # the throwaway server's data directory (None on --url's server)


@contextmanager
def bench_databases(url: str | None, own: str) -> Iterator[BenchDatabases]:
    """fresh(None) is --url's database itself, or bench_<own> on the throwaway server;
    fresh(name) is <--url's database>_<name>, or bench_<name>."""
    if url:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(url)
        base = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))

        def fresh(name: str | None = None) -> str:
            db = base if name is None else f"{base}_{name}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{db}"')
            return urlunsplit(parts._replace(path=f"/{db}"))

        yield BenchDatabases(fresh, None)
        return
    from tests import pg_server

    server, why = pg_server.start()
    if server is None:
        raise SystemExit(f"no PostgreSQL server: {why} (give --url)")

    def fresh_local(name: str | None = None) -> str:
        db = f"bench_{own if name is None else name}"
        server.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        server.psql(f"CREATE DATABASE {db}")
        return server.url(db)

    try:
        yield BenchDatabases(fresh_local, server.folder / "data")
    finally:
        server.stop()
