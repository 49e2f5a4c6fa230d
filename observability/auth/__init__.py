"""Who may call the API: API tokens (stored as hashes), roles, FastAPI dependencies, webhook bearer."""
