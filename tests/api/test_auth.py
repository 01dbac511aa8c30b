"""Authentication comes first, and tokens have a life: without a good token every route that needs one answers
401 whatever its body (no field list for strangers); tokens may expire, are rotated, record their last use;
the last working admin token cannot be revoked, and `tandem admin-token` recovers admin access on the
server's machine; the demo's token file is private and ignored by git."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from api.cli import app as cli
from tests.api.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
BODIES = [b'{"bogus": 1, "title": ""}', b"{not json", b"[]", b""]


def _protected(api: Api, method: str) -> list[str]:
    """Every path of the OpenAPI document served with `method` that takes the bearer token, its parameters 'x'."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return sorted(
        re.sub(r"\{[^}]+\}", "x", path)
        for path, operations in paths.items()
        if method.lower() in operations and operations[method.lower()].get("security")
    )


@pytest.mark.parametrize("token", [None, "tdm_not-a-real-token", ""])
def test_every_post_route_answers_401_before_looking_at_the_body(api: Api, token: str | None) -> None:
    paths = _protected(api, "POST")
    assert len(paths) >= 15  # every POST route of the API, the ones added later included
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    for path in paths:
        for body in BODIES:
            answer = api.client.post(path, content=body, headers=headers)
            assert answer.status_code == 401, (path, body, answer.text)
            assert answer.json()["errors"] == [] and answer.headers["www-authenticate"] == "Bearer"


def test_patch_and_put_routes_answer_401_before_the_body_or_if_match(api: Api) -> None:
    for method in ("PATCH", "PUT"):
        for path in _protected(api, method):
            answer = api.client.request(method, path, content=b'{"weight": "heavy"}')
            assert answer.status_code == 401, (method, path, answer.text)


def test_the_bearer_scheme_is_read_in_any_case_with_spaces(api: Api) -> None:
    token = api.seeded.tokens["lead"]
    for header in (f"Bearer {token}", f"bearer {token}", f"  BEARER   {token}  "):
        assert api.client.get("/me", headers={"Authorization": header}).status_code == 200, header
    for header in (f"Basic {token}", token, "Bearer"):
        assert api.client.get("/me", headers={"Authorization": header}).status_code == 401, header


def _issue(api: Api, principal: str, **body: object) -> dict[str, object]:
    issued = api.post(f"/principals/{principal}/tokens", "admin", {"label": "bot", **body})
    assert issued.status_code == 201, issued.text
    return dict(issued.json())


def test_a_token_expires_and_its_last_use_is_recorded(api: Api) -> None:
    issued = _issue(api, "sales", expires_in_days=1)
    expires = datetime.fromisoformat(str(issued["expires_at"]))
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    assert issued["last_used_at"] is None
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert api.client.get("/me", headers=mine).status_code == 200
    listed = {t["id"]: t for t in api.get("/principals/sales/tokens", "admin").json()}
    used = datetime.fromisoformat(listed[str(issued["id"])]["last_used_at"])
    assert abs(used - datetime.now(UTC)) < timedelta(minutes=1)
    engine = create_engine(api.settings.database_url)
    with engine.begin() as connection:
        past = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None)
        connection.execute(text("UPDATE tokens SET expires_at = :at WHERE id = :id"), {"at": past, "id": issued["id"]})
    engine.dispose()
    expired = api.client.get("/me", headers=mine)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_rotating_a_token_gives_a_new_secret_and_ends_the_old_one(api: Api) -> None:
    old = _issue(api, "lead", expires_in_days=30)
    rotated = api.post(f"/tokens/{old['id']}/rotate", "admin", {})
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["token"] != old["token"] and new["principal_id"] == "lead" and new["expires_at"] == old["expires_at"]
    assert api.client.get("/me", headers={"Authorization": f"Bearer {old['token']}"}).status_code == 401
    assert api.client.get("/me", headers={"Authorization": f"Bearer {new['token']}"}).json()["id"] == "lead"
    listed = {t["id"]: t for t in api.get("/principals/lead/tokens", "admin").json()}
    assert listed[str(old["id"])]["replaced_by"] == new["id"] and listed[str(old["id"])]["revoked_at"]
    assert api.post(f"/tokens/{old['id']}/rotate", "admin", {}).status_code == 409
    entry = api.get("/audit", "admin", params={"action": "token.rotated"}).json()["items"][0]
    assert entry["changes"]["token"] == [old["id"], new["id"]]


def test_the_last_admin_token_cannot_be_revoked(api: Api) -> None:
    (only,) = api.get("/principals/admin/tokens", "admin").json()
    refused = api.post(f"/tokens/{only['id']}/revoke", "admin", {})
    assert refused.status_code == 409 and "last working admin token" in refused.json()["detail"]
    assert api.get("/me", "admin").status_code == 200
    spare = _issue(api, "admin")
    assert api.post(f"/tokens/{only['id']}/revoke", "admin", {}).status_code == 200
    spare_auth = {"Authorization": f"Bearer {spare['token']}"}
    assert api.client.get("/me", headers={"Authorization": f"Bearer {api.seeded.tokens['admin']}"}).status_code == 401
    tokens = api.client.get("/principals/admin/tokens", headers=spare_auth).json()
    (left,) = [t for t in tokens if t["revoked_at"] is None]
    assert left["id"] == spare["id"]


def test_admin_access_is_recovered_on_the_servers_machine(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", api.settings.database_url)
    ran = CliRunner().invoke(cli, ["admin-token", "--expires-in-days", "2"])
    assert ran.exit_code == 0, ran.output
    secret = re.search(r"(tdm_\S+)", ran.output)
    assert secret is not None
    me = api.client.get("/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert me.status_code == 200 and me.json()["role"] == "admin"
    entry = api.get("/audit", "admin", params={"action": "token.recovered"}).json()["items"][0]
    assert entry["principal_id"] == "server-cli" and entry["subject_id"] == "admin"
    refused = CliRunner().invoke(cli, ["admin-token", "--principal", "lead"])
    assert refused.exit_code == 2 and "not an admin" in refused.output


def test_the_demo_token_file_is_private_and_ignored_by_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import serve

    monkeypatch.chdir(tmp_path)
    Path("tandem-demo.env").write_text("old")
    os.chmod("tandem-demo.env", 0o644)
    serve._start_demo(serve._demo_file(), "127.0.0.1", 8599)
    mode = stat.S_IMODE(os.stat("tandem-demo.env").st_mode)
    assert mode == 0o600 and "ADMIN_TOKEN=tdm_" in Path("tandem-demo.env").read_text()
    assert "tandem-demo.env" in (ROOT / ".gitignore").read_text().split()
