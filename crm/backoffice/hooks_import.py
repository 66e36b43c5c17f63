"""Wagtail hooks (filled in by its feature)."""
