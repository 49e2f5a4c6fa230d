"""Observability as code and incident response for the job-processing platform."""
