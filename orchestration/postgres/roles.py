"""`bi_reader`: the group role BI logins belong to; it reads schema `marts` and nothing else.

The role cannot log in: a DBA creates logins `IN ROLE bi_reader`. Only the published schema is
granted to it. Everything else stays closed by PostgreSQL's defaults: a schema is usable only by
its owner and the roles it was granted to, and since PostgreSQL 15 no role but the owner may
create tables in `public` (older servers: `revoke create on schema public from public`).
"""

from __future__ import annotations

from psycopg2 import sql

from orchestration.publish.marts import PUBLISHED_SCHEMA

READER_ROLE = "bi_reader"
READ_GRANTS = (
    "grant usage on schema {schema} to {role}",
    "grant select on all tables in schema {schema} to {role}",
    # tables this user creates in the schema later (a hot fix, a new mart) are readable too
    "alter default privileges in schema {schema} grant select on tables to {role}",
)


def ensure_reader_role(cur, role: str = READER_ROLE, schema: str = PUBLISHED_SCHEMA) -> None:
    """Create the role when missing (needs CREATEROLE) and grant it read access to `schema`.

    Grants belong to the schema object, so a schema swapped in by publish needs them again.
    """
    cur.execute("select 1 from pg_roles where rolname = %s", (role,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    for statement in READ_GRANTS:
        cur.execute(sql.SQL(statement).format(schema=sql.Identifier(schema), role=sql.Identifier(role)))
