"""The bundled authority directory and what loading refuses."""

import json
from importlib import resources
from pathlib import Path

import pytest
from pydantic import ValidationError

from activities.directory import NATIONAL, REGIONAL, Directory
from schemas.activities import Recipient
from schemas.regions import Region


def test_bundled_directory_has_five_bodies_for_every_one_of_the_20_regions(
    directory: Directory,
) -> None:
    assert len(Region) == 20
    for region in Region:
        bodies = {r: directory.authority(r, region) for r in REGIONAL}
        assert len(bodies) == 5
        assert len({b.email for b in bodies.values()}) == 5
        assert region.name_in("en") in bodies[Recipient.AKIMAT].en


def test_national_bodies_are_the_same_whatever_the_region(directory: Directory) -> None:
    for recipient in NATIONAL:
        assert {directory.authority(recipient, region) for region in Region} == {
            directory.national[recipient]
        }
    assert "Commissioner" in directory.authority(Recipient.COMMISSIONER, Region.ABAI).en
    assert "Committee" in directory.authority(Recipient.COMMITTEE, Region.ABAI).en


def test_every_bundled_address_is_under_the_reserved_example_tld(directory: Directory) -> None:
    bodies = [*directory.national.values()]
    bodies += [body for region in directory.regions.values() for body in region.values()]

    assert len(bodies) == 2 + 20 * 5
    assert all(b.email.endswith(".example") for b in bodies)
    assert all(b.kk and b.ru and b.en for b in bodies)


def test_loading_names_every_missing_region_and_key(tmp_path: Path) -> None:
    bundled = resources.files("activities").joinpath("data/authorities.json")
    data = json.loads(bundled.read_text(encoding="utf-8"))
    del data["regions"]["ulytau"]
    del data["regions"]["aktobe"]["police"]
    del data["national"]["committee"]
    path = tmp_path / "authorities.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValidationError) as error:
        Directory.load(path)

    message = str(error.value)
    assert "national is missing committee" in message
    assert "region 'ulytau' is missing" in message
    assert "region 'aktobe' is missing police" in message


def test_a_deployment_directory_replaces_the_bundled_one(tmp_path: Path) -> None:
    bundled = resources.files("activities").joinpath("data/authorities.json")
    data = json.loads(bundled.read_text(encoding="utf-8"))
    data["regions"]["astana"]["police"]["email"] = "duty@police.astana.example"
    path = tmp_path / "authorities.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    police = Directory.load(path).authority(Recipient.POLICE, Region.ASTANA)

    assert police.email == "duty@police.astana.example"
