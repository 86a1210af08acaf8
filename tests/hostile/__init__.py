"""Builders of hostile bundles, made in code (no binary blobs), and a sandboxed CLI runner."""
