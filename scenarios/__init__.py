"""Scenario scripts (importable as opinionsim.scenarios)."""
