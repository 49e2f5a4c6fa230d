"""Deployment verification: the platform's key signals after a deploy against a baseline before it."""
