"""The reference platform in miniature: API, BaseWorker, a mock embedding API, traffic, and the stack."""
