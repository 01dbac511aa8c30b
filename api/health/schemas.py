"""HTTP schemas of liveness and readiness."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Out


class Health(Out):
    status: str = Field(description="'ok' when the process is up.")


class Readiness(Out):
    status: str = Field(description="'ready' when the database answers and its schema is current.")
    database: str = Field(description="'sqlite' or 'postgresql'.")
    schema_revision: str = Field(description="The database's migration revision.")
