from pathlib import Path

import pytest

from bot.geo.places import index_by_spelling, load_places, normalise
from bot.settings import get_settings


def test_the_gazetteer_loads_and_every_spelling_is_unique_to_one_place() -> None:
    places = load_places(get_settings().places_file)
    assert len(places) >= 50
    owners: dict[str, str] = {}
    for place in places:
        assert 53.6 < place.latitude < 54.1 and -1.9 < place.longitude < -1.1, place.name
        for spelling in place.spellings:
            key = normalise(spelling)
            assert owners.setdefault(key, place.name) == place.name, f"{spelling!r} names two places"


def test_misspellings_find_the_official_name() -> None:
    index = index_by_spelling(load_places(get_settings().places_file))
    assert index[normalise("Harehills")].name == "Harehills"
    assert index[normalise("hare hills")].name == "Harehills"


def test_a_broken_row_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(
        "name,kind,latitude,longitude,outcodes,aliases\nArmley,neighbourhood,53.79,-1.59,LS12,\nBad,area,north,-1.5,,\n"
    )
    with pytest.raises(ValueError, match="row 3"):
        load_places(path)
