"""The tables the quality step writes in the work database (schema ``quality``)."""

FINDINGS_DDL = """
create schema if not exists quality;

create table if not exists quality.findings (
    rule                 varchar not null,
    severity             varchar not null,
    province_code        varchar,
    province_valid_from  date,
    period               varchar,
    indicator_code       varchar,
    source_file          varchar,
    sheet                varchar,
    source_row           bigint,
    value                double,
    detail               varchar not null,
    quarantined          boolean not null
);

-- one row per refresh x rule, appended and never replaced: survives rebuilds and rollbacks
create table if not exists quality.history (
    run_id            varchar not null,
    refreshed_at      timestamp not null,
    rule              varchar not null,
    severity          varchar not null,
    findings          bigint not null,
    values_held_back  bigint not null,
    files_rejected    bigint not null,
    rows_rejected     bigint not null,
    last_load_id      bigint not null
);

-- what the last quarantine validated: a fingerprint of every province unit x period's values
create table if not exists quality.validated_keys (
    province_code        varchar,
    province_valid_from  date,
    period               varchar,
    fingerprint          varchar not null
);
"""


def ensure_findings_table(con) -> None:
    """Create the quality tables if they do not exist yet (idempotent)."""
    con.execute(FINDINGS_DDL)
