"""Demo sign-ins for `make run`: a case worker and a supervisor for two regions, a Committee
supervisor, an admin, and integration keys. Passwords and keys are generated on first run and
kept in a private file under var/, never in the repository."""

import json
import secrets
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine

from ombudsflow.credentials import hash_password, new_api_key
from schemas.regions import Region
from schemas.steps import Role
from store.db import session_scope
from store.users import create_api_key, create_user

DEMO_USERS: list[tuple[str, str, Role, Region | None]] = [
    ("cw.aktobe", "Aigul (case worker, Aktobe)", Role.CASE_WORKER, Region.AKTOBE),
    ("sv.aktobe", "Marat (supervisor, Aktobe)", Role.SUPERVISOR, Region.AKTOBE),
    ("cw.pavlodar", "Dana (case worker, Pavlodar)", Role.CASE_WORKER, Region.PAVLODAR),
    ("sv.pavlodar", "Yerlan (supervisor, Pavlodar)", Role.SUPERVISOR, Region.PAVLODAR),
    ("sv.committee", "Saule (Committee supervisor, national)", Role.SUPERVISOR, None),
    ("admin", "Administrator", Role.ADMIN, None),
]
# name → (scopes, channels): the helpline submits reports; the police system delivers
# decisions; e-Otinish, the national appeals platform, submits ¶6.2 appeals.
DEMO_KEYS: dict[str, tuple[list[str], list[str]]] = {
    "helpline-111": (["reports"], ["helpline_111", "telegram"]),
    "police-system": (["police_decisions", "kdn_decisions"], []),
    "e-otinish": (["appeals"], ["e_otinish"]),
}


class DemoCredentials(BaseModel):
    passwords: dict[str, str]
    api_keys: dict[str, str]


def seed_demo(engine: Engine, path: Path) -> DemoCredentials:
    """Create the demo users and keys once; later runs read them back from ``path``."""
    if path.exists():
        return DemoCredentials.model_validate_json(path.read_text())
    credentials = DemoCredentials(passwords={}, api_keys={})
    with session_scope(engine) as session:
        for user_id, name, role, region in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            create_user(session, user_id=user_id, display_name=name, role=role, region=region,
                        password_hash=hash_password(password))
            credentials.passwords[user_id] = password
        for name, (scopes, channels) in DEMO_KEYS.items():
            key_id, secret, secret_hash = new_api_key()
            create_api_key(session, key_id=key_id, name=name, secret_hash=secret_hash,
                           scopes=scopes, channels=channels)
            credentials.api_keys[name] = secret
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(credentials.model_dump(), indent=2))
    return credentials
