"""Prefect flows: thin orchestration over the yotbench library."""
