"""Use cases: each job reads the store, calls the pure core, and returns results (no printing)."""
