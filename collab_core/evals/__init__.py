"""Measurements: retrieval and assistant-context evals, the search/ingest benchmarks and their reports."""
