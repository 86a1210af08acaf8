"""Catalogues of upstream frameworks, the importer, coverage and requirement roll-ups.

Submodules are imported on use: ``check`` only needs ``rollup`` (and ``model``).
"""
