"""Reads of the labour context, one module per kind of publication (queries and shapes)."""
