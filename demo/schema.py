"""The platform's tables: the job queue and the embeddings (pgvector when the extension exists)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import JSON, Column, Engine, Index, Integer, MetaData, String, Table, text

from observability.store.base import UTCDateTime

log = logging.getLogger(__name__)

EMBEDDING_DIMENSIONS = 16
JOB_TYPES = ("embed", "classify")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("job_type", String(32), nullable=False),
    Column("status", String(16), nullable=False, default=QUEUED),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("enqueued_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("error", String(500)),
    Index("ix_jobs_status_enqueued_at", "status", "enqueued_at"),
)


class EmbeddingStorage(StrEnum):
    PGVECTOR = "pgvector"
    FLOAT_ARRAY = "float-array"  # PostgreSQL without the vector extension
    JSON_TEXT = "json"  # SQLite


def create_schema(engine: Engine) -> EmbeddingStorage:
    """Create the tables if missing; return how embeddings are stored (and log it)."""
    metadata.create_all(engine)
    storage = _embedding_storage(engine)
    column = {
        EmbeddingStorage.PGVECTOR: f"vector({EMBEDDING_DIMENSIONS})",
        EmbeddingStorage.FLOAT_ARRAY: "double precision[]",
        EmbeddingStorage.JSON_TEXT: "TEXT",
    }[storage]
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                f"job_id VARCHAR(32) PRIMARY KEY REFERENCES jobs(id), embedding {column} NOT NULL)"
            )
        )
        if storage is EmbeddingStorage.PGVECTOR:
            conn.execute(
                text(
                    "CREATE INDEX IF NOT EXISTS ix_embeddings_embedding "
                    "ON embeddings USING hnsw (embedding vector_l2_ops)"
                )
            )
    log.info("embeddings stored as %s", storage.value, extra={"embedding_storage": storage.value})
    return storage


def embedding_storage(engine: Engine) -> EmbeddingStorage:
    """How an existing schema stores embeddings."""
    if engine.dialect.name != "postgresql":
        return EmbeddingStorage.JSON_TEXT
    with engine.connect() as conn:
        installed = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).first()
    return EmbeddingStorage.PGVECTOR if installed else EmbeddingStorage.FLOAT_ARRAY


def _embedding_storage(engine: Engine) -> EmbeddingStorage:
    if engine.dialect.name != "postgresql":
        return EmbeddingStorage.JSON_TEXT
    with engine.begin() as conn:
        available = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first()
        if available:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    return embedding_storage(engine)


def store_embedding(engine: Engine, storage: EmbeddingStorage, job_id: str, vector: Sequence[float]) -> None:
    """Insert (or replace) the embedding of one job in the storage's representation."""
    value: object
    if storage is EmbeddingStorage.PGVECTOR:
        value, placeholder = (
            "[" + ",".join(repr(float(x)) for x in vector) + "]",
            "CAST(:embedding AS vector)",
        )
    elif storage is EmbeddingStorage.FLOAT_ARRAY:
        value, placeholder = [float(x) for x in vector], ":embedding"
    else:
        value, placeholder = json.dumps([float(x) for x in vector]), ":embedding"
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM embeddings WHERE job_id = :job_id"), {"job_id": job_id})
        conn.execute(
            text(f"INSERT INTO embeddings (job_id, embedding) VALUES (:job_id, {placeholder})"),
            {"job_id": job_id, "embedding": value},
        )


def read_embedding(engine: Engine, storage: EmbeddingStorage, job_id: str) -> list[float] | None:
    """The stored embedding of a job, or None."""
    column = "embedding::text" if storage is EmbeddingStorage.PGVECTOR else "embedding"
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT {column} FROM embeddings WHERE job_id = :id"), {"id": job_id}
        ).first()
    if row is None:
        return None
    value = row[0]
    if isinstance(value, str):
        return [float(x) for x in json.loads(value)]
    return [float(x) for x in value]
