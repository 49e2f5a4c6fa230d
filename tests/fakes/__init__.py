"""Fixtures that run fake third parties (Slack, a pager webhook receiver) as real processes."""
