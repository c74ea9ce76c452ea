"""Every legacy operation in GitHub Enterprise's layout, `/api/v3` (SPEC section 8, issue 14 item 3), over
HTTP: each answers as it does at the root, and every URL in its body and headers (`url`, `Location`, `Link`)
is in the layout the client called. The root layout is what the rest of the e2e suite runs; here each of
the 19 routes runs once under `/api/v3` (and the URL-bearing ones at the root too, for the comparison).

Users: ivan. Apps: alpha (its tokens here are ivan's).
"""

from __future__ import annotations

import pytest

from tests.support.e2e import App, Client, User

V3 = "/api/v3"


def _under(client: Client, layout: str) -> Client:
    return Client(client.base_url + layout, client.secrets, client.auth)


@pytest.mark.parametrize("layout", ["", V3])
def test_the_user_operations(ivan: User, alpha: App, layout: str) -> None:
    user = _under(ivan.client, layout)
    base = user.base_url
    label = "v3" if layout else "root"

    created = user.post("/authorizations", {"note": f"layout {label}", "scopes": ["repo"]})
    assert created.status_code == 201, created.text
    auth = created.json()
    assert auth["url"] == f"{base}/authorizations/{auth['id']}"
    assert created.headers["Location"] == auth["url"]
    assert created.headers["Status"] == "201 Created"
    assert created.headers["Cache-Control"] == "no-store"

    one = user.get(f"/authorizations/{auth['id']}")
    assert (one.status_code, one.json()["url"]) == (200, auth["url"])
    updated = user.patch(f"/authorizations/{auth['id']}", {"add_scopes": ["user"]})
    assert (updated.status_code, updated.json()["url"]) == (200, auth["url"])
    aliased = user.post(f"/authorizations/{auth['id']}", {"note": f"renamed {label}"})
    assert aliased.status_code == 200

    for_app = user.put(f"/authorizations/clients/{alpha.client_id}", {"client_secret": alpha.client_secret})
    assert for_app.status_code == 201, for_app.text
    assert for_app.json()["url"].startswith(f"{base}/authorizations/")
    fingerprint = f"fp {label}"
    for_fp = user.put(
        f"/authorizations/clients/{alpha.client_id}/{fingerprint}", {"client_secret": alpha.client_secret}
    )
    assert for_fp.status_code == 201, for_fp.text
    again = user.put(
        f"/authorizations/clients/{alpha.client_id}/{fingerprint}", {"client_secret": alpha.client_secret}
    )
    assert (again.status_code, again.json()["token"]) == (200, "")
    assert again.headers["Cache-Control"] == "private"

    listed = user.get("/authorizations", params={"per_page": "1"})
    assert listed.status_code == 200
    assert all(link.startswith(f"<{base}/authorizations?") for link in listed.headers["Link"].split(", "))
    grants = user.get("/applications/grants")
    assert grants.status_code == 200
    grant = next(g for g in grants.json() if g["app"]["client_id"] == alpha.client_id)
    assert grant["url"] == f"{base}/applications/grants/{grant['id']}"
    assert user.get(f"/applications/grants/{grant['id']}").json()["url"] == grant["url"]

    deleted = user.delete(f"/authorizations/{auth['id']}")
    assert (deleted.status_code, deleted.headers["Status"]) == (204, "204 No Content")
    assert user.delete(f"/applications/grants/{grant['id']}").status_code == 204


@pytest.mark.parametrize("layout", ["", V3])
def test_the_app_operations(ivan: User, alpha: App, layout: str) -> None:
    app = _under(alpha.client, layout)
    user = _under(ivan.client, layout)
    base = app.base_url
    tokens = []
    for fingerprint in ("a", "b", "c", "d", "e"):
        answer = user.put(
            f"/authorizations/clients/{alpha.client_id}/{'v3' if layout else 'root'}-{fingerprint}",
            {"client_secret": alpha.client_secret},
        )
        assert answer.status_code == 201, answer.text
        tokens.append(answer.json()["token"])
    path = f"/applications/{alpha.client_id}"

    checked = app.get(f"{path}/tokens/{tokens[0]}")
    assert checked.status_code == 200
    assert checked.json()["url"].startswith(f"{base}/authorizations/")
    assert checked.json()["user"]["url"] == f"{base}/users/ivan"
    assert app.post(f"{path}/token", {"access_token": tokens[0]}).status_code == 200
    reset = app.post(f"{path}/tokens/{tokens[0]}")
    assert (reset.status_code, reset.headers["Cache-Control"]) == (200, "no-store")
    reset_body = app.patch(f"{path}/token", {"access_token": tokens[1]})
    assert reset_body.status_code == 200
    assert app.delete(f"{path}/tokens/{tokens[2]}").status_code == 204
    assert app.delete(f"{path}/token", {"access_token": tokens[3]}).status_code == 204
    assert app.delete(f"{path}/grants/{tokens[4]}").status_code == 204
    fresh = user.put(f"/authorizations/clients/{alpha.client_id}", {"client_secret": alpha.client_secret})
    assert fresh.status_code in (200, 201)
    if fresh.status_code == 201:
        assert app.delete(f"{path}/grant", {"access_token": fresh.json()["token"]}).status_code == 204
