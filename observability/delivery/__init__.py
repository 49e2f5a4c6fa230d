"""Notification delivery: the outbox sender, its senders (Slack, outgoing webhook), the Slack rows."""
