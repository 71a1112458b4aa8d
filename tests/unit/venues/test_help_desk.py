"""The HelpDesk: what the conversation and `python -m bot nearest` ask about nearby help."""

from __future__ import annotations

import httpx
from sqlalchemy import delete

from bot.db.models import HelpSession, Venue
from bot.geo.postcodes_io import PostcodesIO
from bot.settings import get_settings
from bot.venues.help_desk import Asker, HelpDesk
from tests.conftest import LS1_1AZ, Factory


def _desk(migrated_url: str, geocoder: PostcodesIO | None = None) -> HelpDesk:
    settings = get_settings()
    return HelpDesk(migrated_url, settings.places_file, settings.local_file, geocoder)


def test_a_desk_from_settings_knows_the_settings_places_and_helpline(
    migrated_url: str, factory: Factory
) -> None:
    factory.venue(53.8075, -1.5230, name="Harehills Library")
    factory.session.commit()
    desk = HelpDesk.from_settings(get_settings().model_copy(update={"database_url": migrated_url}))
    reply = desk.answer("Harehills")
    assert reply.location_ok and "Harehills Library" in reply.reply.text
    assert desk.helpline() in desk.answer("Harehills", offset=5).reply.text


def test_a_shared_location_is_searched_by_its_coordinates(migrated_url: str, factory: Factory) -> None:
    factory.venue(LS1_1AZ[0] + 1 / 111.2, LS1_1AZ[1], name="Hub 1 km")
    factory.session.commit()
    reply = _desk(migrated_url).answer(f"geo:{LS1_1AZ[0]},{LS1_1AZ[1]}")
    assert reply.location_ok and reply.reply.text.startswith("Help near your location:")
    assert [pin.name for pin in reply.reply.pins] == ["Hub 1 km"]


def test_the_validation_search_answers_the_same_turn(migrated_url: str, factory: Factory) -> None:
    """A location turn searches once: the action answers from what the validation found."""
    factory.venue(LS1_1AZ[0] + 1 / 111.2, LS1_1AZ[1], name="Hub 1 km")
    factory.session.commit()
    desk = _desk(migrated_url)
    where = f"geo:{LS1_1AZ[0]},{LS1_1AZ[1]}"
    assert desk.location_problem(where, None, turn="web-1:message-1") is None
    factory.session.execute(delete(HelpSession))
    factory.session.execute(delete(Venue))
    factory.session.commit()
    kept = desk.answer(where, None, turn="web-1:message-1", asker=Asker("web-1", "web"))
    assert [pin.name for pin in kept.reply.pins] == ["Hub 1 km"]
    # Used once: the next message searches again, and finds the venue gone.
    again = desk.answer(where, None, turn="web-1:message-1")
    assert again.location_ok and again.reply.pins == () and "can't find any help" in again.reply.text


def test_a_bad_location_is_explained_and_not_kept(migrated_url: str) -> None:
    desk = _desk(migrated_url)
    problem = desk.location_problem("Narnia", turn="web-1:message-1")
    assert problem is not None and problem.startswith("I don't know that place.")
    assert not desk.answer("Narnia", turn="web-1:message-1").location_ok


def test_closing_the_desk_closes_its_postcodes_io_client(migrated_url: str) -> None:
    geocoder = PostcodesIO(transport=httpx.MockTransport(lambda request: httpx.Response(404)))
    with _desk(migrated_url, geocoder) as desk:
        assert desk.geocoder is geocoder
    assert geocoder._client.is_closed
