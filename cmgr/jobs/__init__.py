"""Use cases: each job gathers from the store, applies the core logic and returns results; the CLI presents them."""
