"""Helpers shared by several test folders (importable because tests/ holds the root conftest)."""
