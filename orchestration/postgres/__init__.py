"""The warehouse on PostgreSQL: the same dbt models, published to a server BI tools connect to.

Ingestion and the quality step keep writing the DuckDB work database; `load` copies their tables
into PostgreSQL, dbt runs there (target `postgres`), `publish` swaps the marts in atomically and
`roles` keeps `bi_reader` able to read schema `marts` and nothing else.
"""
