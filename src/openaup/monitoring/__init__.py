"""Monitoring of minors' internet use (CIPA): the engine's decision files ingested into
Parquet partitions by day, reports over them with DuckDB, alerts, retention."""
