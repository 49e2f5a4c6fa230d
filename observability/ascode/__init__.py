"""Monitoring as code: dashboards and alert rules generated from the catalog, and their lint."""
