"""Sign-in: the demo password gives a bearer token that works; a wrong one is refused."""

from tests.support.web_stack import WebStack


async def test_token_with_the_demo_password_opens_the_inbox(api: WebStack) -> None:
    response = await api.http.post("/api/v1/auth/token", data={
        "username": "cw.aktobe", "password": api.credentials.passwords["cw.aktobe"]})

    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == api.settings.token_minutes * 60
    inbox = await api.http.get("/api/v1/tasks",
                               headers={"Authorization": f"Bearer {token['access_token']}"})
    assert inbox.status_code == 200


async def test_wrong_password_and_unknown_user_are_refused_alike(api: WebStack) -> None:
    wrong = await api.http.post("/api/v1/auth/token", data={
        "username": "cw.aktobe", "password": "not-the-password"})
    unknown = await api.http.post("/api/v1/auth/token", data={
        "username": "nobody", "password": "whatever"})

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong user name or password"
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_forged_token_is_not_a_sign_in(api: WebStack) -> None:
    response = await api.http.get("/api/v1/tasks", headers={"Authorization": "Bearer forged"})

    assert response.status_code == 401
