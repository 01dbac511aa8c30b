"""Tandem's edge: CLI, HTTP, storage and configuration. The only package with I/O."""
