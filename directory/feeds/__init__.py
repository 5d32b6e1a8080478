"""The importer: fetch (network only) → parse (pure) → reconcile (database), run by runner.py."""
