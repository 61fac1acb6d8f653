"""The dbt models on Apache Spark (`P06_WAREHOUSE_ENGINE=spark` in process, `spark_thrift` on a
cluster's Thrift Server).

Ingestion and the quality step keep writing the DuckDB work database; `tables` hands their
tables to Spark as Parquet and brings Spark's tables back the same way; `refresh` does that at
the refresh job's crossings; `session` starts the run's SparkSession. Needs the `.[spark]` extra.
"""
