"""`tandem serve`: the HTTP API under uvicorn; `--demo` seeds a fresh SQLite database with the demo organisation
and prints a token per role; on a database with no principal yet, an admin is created and its token printed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import BAD_INPUT, err, out, read_scenario

DEMO_DATABASE = Path("tandem-demo.db")
DEMO_ENV = Path("tandem-demo.env")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo organisation into a fresh SQLite database; print tokens.")
    ] = False,
    scenario: Annotated[
        Path | None, typer.Option(help="With --demo: load this scenario file instead of fixtures/demo.json.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="API processes (PostgreSQL only).")] = 1,
) -> None:
    """Run the HTTP API with uvicorn (DATABASE_URL chooses the database; SQLite ./tandem.db by default)."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    overrides: dict[str, str] = {"listen_host": host, "listen_port": str(port)}
    if demo:
        overrides |= _start_demo(scenario or _demo_file(), host, port)
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if workers > 1 and settings.database_url.startswith("sqlite"):
        err.print("--workers > 1 needs PostgreSQL (DATABASE_URL=postgresql+psycopg://...).", markup=False)
        raise typer.Exit(BAD_INPUT)
    if not demo:
        _bootstrap_admin(settings.database_url)
    out.print(f"Tandem API on http://{host}:{port} (OpenAPI: /docs, /openapi.json); Ctrl-C stops it.", markup=False)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    else:
        os.environ.update({"TANDEM_LISTEN_HOST": host, "TANDEM_LISTEN_PORT": str(port)})
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")


def _demo_file() -> Path:
    from api.demo import DEMO_FILE

    return DEMO_FILE


def _start_demo(path: Path, host: str, port: int) -> dict[str, str]:
    """A fresh demo database from a scenario file, tokens printed and written to tandem-demo.env."""
    from api.demo import seed

    loaded = read_scenario(path)
    for stale in (DEMO_DATABASE, Path(f"{DEMO_DATABASE}-wal"), Path(f"{DEMO_DATABASE}-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///./{DEMO_DATABASE}"
    tokens = seed(database_url=url, scenario=loaded, at=loaded.now)
    lines = [f"export TANDEM_URL=http://{host}:{port}"]
    lines += [f"export {t.role.value.upper()}_TOKEN={t.token}" for t in tokens]
    _write_secret(DEMO_ENV, "\n".join(lines) + "\n")
    out.print(
        f"Demo organisation from {path}: {len(loaded.departments)} departments, {len(loaded.agents)} agents, "
        f"{len(loaded.requests)} requests, in a fresh ./{DEMO_DATABASE}. The clock is frozen at the demo's "
        f"now, {loaded.now.isoformat()}.",
        markup=False,
    )
    out.print(f"Tokens, one per role (also in ./{DEMO_ENV}; load them with: . ./{DEMO_ENV}):", markup=False)
    for t in tokens:
        out.print(f"  {t.role.value.upper() + '_TOKEN':<16} {t.token}  {t.name} ({t.principal_id})", markup=False)
    demo_settings = {"database_url": url, "fixed_now": loaded.now.isoformat()}
    if not os.environ.get("TANDEM_WEBHOOK_SECRET_KEY"):  # the demo's webhook secrets live as long as its database
        from cryptography.fernet import Fernet

        demo_settings["webhook_secret_key"] = Fernet.generate_key().decode()
        out.print("Webhook secrets are encrypted with a key made for this demo run.", markup=False)
    return demo_settings


def _write_secret(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600, also when it existed with wider rights)."""
    import os

    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def admin_token(
    principal: Annotated[str, typer.Option(help="The admin principal to issue it to (created if missing).")] = "admin",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Days it works; default: no expiry.")
    ] = None,
) -> None:
    """Recover admin access on the server's machine: issue a new admin token straight into the database at
    DATABASE_URL (audited), and print it once. For when every admin token was lost, revoked or expired."""
    from datetime import UTC, datetime, timedelta

    from api.principals.schemas import PrincipalCreate
    from api.roles import Principal, Role
    from api.settings import Settings
    from api.store import audit, principals
    from api.store.session import Database, upgrade

    url = Settings().database_url
    upgrade(url)
    database = Database(url)
    now = datetime.now(UTC)
    operator = Principal(id="server-cli", name="tandem admin-token", role=Role.ADMIN, department_id=None, agent_id=None)
    try:
        with database.writing() as session:
            row = principals.get(session=session, principal_id=principal)
            if row is None:
                data = PrincipalCreate(id=principal, name="Administrator", role=Role.ADMIN)
                principals.create(session=session, actor=operator, data=data, at=now)
            elif row.role != Role.ADMIN.value:
                err.print(f"{principal!r} is a {row.role}, not an admin; nothing was issued.", markup=False)
                raise typer.Exit(BAD_INPUT)
            expires = None if expires_in_days is None else now + timedelta(days=expires_in_days)
            token, secret = principals.issue_token(
                session=session, actor=None, principal_id=principal, label="recovery", at=now, expires_at=expires
            )
            audit.record(
                session=session,
                actor=operator,
                at=now,
                action="token.recovered",
                subject_type="principal",
                subject_id=principal,
                changes={"token": [None, token.id]},
            )
            session.commit()
    finally:
        database.dispose()
    out.print(f"Issued admin token {token.id} to {principal!r} (shown once): {secret}", markup=False)


def _bootstrap_admin(database_url: str) -> None:
    """On a database with no principal yet, create an admin and print its token once."""
    from datetime import UTC, datetime

    from api.principals.schemas import PrincipalCreate
    from api.roles import Role
    from api.store import principals
    from api.store.session import Database, upgrade

    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.writing() as session:
            if principals.all_principals(session=session):
                return
            now = datetime.now(UTC)
            principals.create(
                session=session,
                actor=None,
                at=now,
                data=PrincipalCreate(id="admin", name="Administrator", role=Role.ADMIN),
            )
            _, secret = principals.issue_token(
                session=session, actor=None, principal_id="admin", label="bootstrap", at=now
            )
            session.commit()
    finally:
        database.dispose()
    out.print(f"First start: created the principal 'admin'. Its token (shown once): {secret}", markup=False)


def register(app: typer.Typer) -> None:
    """Add `tandem serve` and `tandem admin-token` to the app."""
    app.command()(serve)
    app.command("admin-token")(admin_token)
