"""Portée's domain: organizations, their services, the shared vocabulary and the importer.

Nothing in this package imports `search/`: the index hears of changes through session events
that `search/` installs (see search/sync.py).
"""
