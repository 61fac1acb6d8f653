"""The warehouse engines: where dbt builds, and what crosses over to the DuckDB work database."""
