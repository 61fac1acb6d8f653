"""Tables that ingestion writes in the work database (schema ``raw``).

The layout is documented in docs/architecture.md; dbt reads these tables as sources.
"""

RAW_SCHEMA_DDL = """
create schema if not exists raw;

create table if not exists raw.ingested_files (
    file_hash      varchar primary key,
    source_file    varchar not null,
    file_format    varchar,
    file_size      bigint,
    status         varchar not null,
    rows_accepted  bigint not null,
    rows_rejected  bigint not null,
    load_id        bigint not null,
    ingested_at    timestamp not null
);

create table if not exists raw.indicator_values (
    file_hash            varchar not null,
    source_file          varchar not null,
    sheet                varchar,
    source_row           bigint,
    province_code        varchar not null,
    province_valid_from  date not null,
    commune_code         varchar,
    period               varchar not null,
    period_grain         varchar not null,
    period_start         date not null,
    period_end           date not null,
    indicator_code       varchar not null,
    value                double not null,
    submitted_at         timestamp not null,
    ingested_at          timestamp not null,
    load_id              bigint not null,
    note                 varchar
);
-- warehouses created before notes were kept
alter table raw.indicator_values add column if not exists note varchar;

create table if not exists raw.task_rows (
    file_hash            varchar not null,
    source_file          varchar not null,
    sheet                varchar,
    source_row           bigint,
    province_code        varchar not null,
    province_valid_from  date not null,
    period               varchar not null,
    period_grain         varchar not null,
    period_start         date not null,
    period_end           date not null,
    task_code            varchar not null,
    task_name            varchar,
    deadline             date,
    status               varchar not null,
    completed_on         date,
    submitted_at         timestamp not null,
    ingested_at          timestamp not null,
    load_id              bigint not null
);

create table if not exists raw.ingest_rejections (
    file_hash            varchar,
    source_file          varchar not null,
    sheet                varchar,
    source_row           bigint,
    column_name          varchar,
    value_seen           varchar,
    rule                 varchar not null,
    severity             varchar not null,
    detail               varchar not null,
    province_code        varchar,
    province_valid_from  date,
    period               varchar,
    indicator_code       varchar,
    submitted_at         timestamp,
    ingested_at          timestamp not null,
    load_id              bigint not null
);
"""


def ensure_raw_schema(con) -> None:
    """Create the raw tables if they do not exist yet (idempotent)."""
    con.execute(RAW_SCHEMA_DDL)
