"""The consistency lint behind `obs check`: alerts, runbooks, dashboards and the catalog agree."""

from .problem import Problem
from .run import CheckReport, run_checks

__all__ = ["CheckReport", "Problem", "run_checks"]
