"""The dbt models on Apache Spark (target `spark` in process, `spark_thrift` on a cluster).

Ingestion and the quality step keep writing the DuckDB work database; `tables` hands their
tables to Spark as Parquet and brings Spark's tables back the same way; `session` starts a local
SparkSession for one host (tests, one big machine). Needs the `.[spark]` extra.
"""
