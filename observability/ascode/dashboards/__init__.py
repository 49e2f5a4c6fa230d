"""Grafana dashboards as code: grafanalib definitions in dashboards/, rendered to dashboards/generated/."""

from .render import DashboardDefinitionError, render_dashboards

__all__ = ["DashboardDefinitionError", "render_dashboards"]
