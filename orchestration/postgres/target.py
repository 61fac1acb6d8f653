"""Where the PostgreSQL warehouse is: `P06_WAREHOUSE_URL=postgresql://user:pass@host:port/db`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import psycopg2

URL_VARIABLE = "P06_WAREHOUSE_URL"
URL_SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str = field(repr=False)  # never in logs or run metadata
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PostgresTarget:
        parts = urlsplit(url)
        if parts.scheme not in URL_SCHEMES:
            raise ValueError(
                f"{URL_VARIABLE}: expected postgresql://user:password@host:port/database, "
                f"got a URL with scheme {parts.scheme!r}"
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not (parts.hostname and parts.username and dbname):
            raise ValueError(
                f"{URL_VARIABLE}: host, user and database are required (postgresql://user:password@host:port/database)"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORT,
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            dbname=dbname,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PostgresTarget | None:
        """The configured PostgreSQL warehouse, or None: then p06 runs on DuckDB alone."""
        url = env.get(URL_VARIABLE, "").strip()
        return cls.from_url(url) if url else None

    def connect_kwargs(self) -> dict:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
        }

    def connect(self):
        """A new psycopg2 connection (a transaction opens with the first statement)."""
        return psycopg2.connect(**self.connect_kwargs(), application_name="p06")

    def dbt_vars(self) -> dict[str, str]:
        """The `--vars` dbt_project/profiles.yml reads for its `postgres` output."""
        return {
            "pg_host": self.host,
            "pg_port": str(self.port),
            "pg_user": self.user,
            "pg_password": self.password,
            "pg_dbname": self.dbname,
        }
