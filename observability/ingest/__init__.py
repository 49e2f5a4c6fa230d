"""Webhook ingest: a validated notification becomes ledger, incident, alert and timeline rows in one
transaction (`writer`), retried when a racing transaction wins a unique constraint (`pipeline`)."""
