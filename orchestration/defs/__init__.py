"""Thin Dagster definitions, one package per concern, each exporting `defs`; definitions.py merges
them with the resources. Domain code lives beside (ingest/, quality/, publish/, alerts/, warehouse/)
and imports nothing from here."""
