"""What rendering a review needs from the composition root: people's names, templates, Prometheus."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from observability.reviews.prometheus import PrometheusHTTP
from observability.reviews.render import templates_folder

if TYPE_CHECKING:
    from observability.config import Settings
    from observability.escalation.matrix import Matrix


@dataclass(frozen=True)
class ReviewContext:
    """People by id (from the matrix), the template folder and the Prometheus to graph from."""

    people: dict[str, str]
    templates: Path
    prometheus_url: str | None
    severities: tuple[str, ...]

    @contextmanager
    def source(self) -> Iterator[PrometheusHTTP | None]:
        """A Prometheus client for one review (None when OBS_PROMETHEUS_URL is not set)."""
        if not self.prometheus_url:
            yield None
            return
        client = PrometheusHTTP(self.prometheus_url)
        try:
            yield client
        finally:
            client.close()


def review_context(settings: Settings, matrix: Matrix) -> ReviewContext:
    return ReviewContext(
        people={person_id: person.name for person_id, person in matrix.people.items()},
        templates=templates_folder(settings.content_root),
        prometheus_url=settings.prometheus_url or None,
        severities=tuple(matrix.review_severities),
    )
