"""Webhook subscriptions through the API: an admin subscribes a system and sees its secret
once; nobody else may; a bad request names the field."""

from tests.support.web_stack import WebStack

SUBSCRIPTION = {"id": "police-aktobe", "url": "https://police.example/hooks",
                "events": ["notice.referral", "police.answer_requested"]}


async def test_an_admin_subscribes_a_system_and_sees_the_secret_only_then(api: WebStack) -> None:
    created = await api.http.post("/api/v1/webhooks", json=SUBSCRIPTION,
                                  headers=api.as_user("admin"))
    listed = await api.http.get("/api/v1/webhooks", headers=api.as_user("admin"))
    again = await api.http.post("/api/v1/webhooks", json=SUBSCRIPTION,
                                headers=api.as_user("admin"))
    removed = await api.http.delete("/api/v1/webhooks/police-aktobe",
                                    headers=api.as_user("admin"))
    gone = await api.http.delete("/api/v1/webhooks/police-aktobe",
                                 headers=api.as_user("admin"))

    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["events"] == SUBSCRIPTION["events"]
    assert listed.status_code == 200 and "secret" not in listed.text
    assert [s["id"] for s in listed.json()] == ["police-aktobe"]
    assert again.status_code == 409 and "police-aktobe" in again.json()["detail"]
    assert removed.status_code == 204 and gone.status_code == 404


async def test_only_admins_manage_subscriptions(api: WebStack) -> None:
    answer = await api.http.post("/api/v1/webhooks", json=SUBSCRIPTION,
                                 headers=api.as_user("sv.aktobe"))

    assert answer.status_code == 403 and "admin" in answer.json()["detail"]


async def test_an_unknown_event_is_refused_naming_the_field(api: WebStack) -> None:
    answer = await api.http.post("/api/v1/webhooks", json=SUBSCRIPTION | {"events": ["x"]},
                                 headers=api.as_user("admin"))

    assert answer.status_code == 422 and "events" in answer.text
