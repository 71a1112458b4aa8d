"""A resident's stated need, and what it means for the search: a network, and what to mention.

The conversation layer passes one of `NEEDS`' keys (older_people, sight_loss, ...); the search
keeps the venues with a session in that 100% Digital Leeds network, and the reply mentions the
facilities that matter most for that need first (a hearing loop for hearing loss, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import ACCESSIBILITY_FEATURES, Network


@dataclass(frozen=True)
class Need:
    key: str
    network: Network
    # Plain words for the reply: "sessions for {phrase}".
    phrase: str
    # Facilities to mention first for this need.
    features: tuple[str, ...] = ()


NEEDS: dict[str, Need] = {
    need.key: need
    for need in (
        Need("older_people", Network.OLDER_PEOPLE, "older people", ("step_free", "accessible_toilet")),
        Need("sight_loss", Network.SENSORY_IMPAIRMENTS, "sight loss", ("large_print", "step_free")),
        Need("hearing_loss", Network.SENSORY_IMPAIRMENTS, "hearing loss", ("hearing_loop", "bsl")),
        Need("autism", Network.AUTISM_LEARNING_DISABILITIES, "autistic people", ("quiet_space",)),
        Need(
            "learning_disability",
            Network.AUTISM_LEARNING_DISABILITIES,
            "people with a learning disability",
            ("quiet_space",),
        ),
        Need("arts", Network.ARTS_CULTURE, "arts and culture", ()),
    )
}

# Short words for each facility, as the reply names them.
FEATURE_WORDS = {
    "step_free": "step-free",
    "accessible_toilet": "accessible toilet",
    "hearing_loop": "hearing loop",
    "bsl": "BSL",
    "large_print": "large print",
    "quiet_space": "quiet space",
    "free_wifi": "free wifi",
    "public_computers": "computers",
    "device_lending": "devices to borrow",
    "sim_data_hub": "free SIM data",
}


def get_need(key: str | None) -> Need | None:
    """The need for `key` (case and spaces forgiven), None for no need; KeyError if unknown."""
    if key is None or not key.strip():
        return None
    return NEEDS[key.strip().lower().replace(" ", "_").replace("-", "_")]


def key_features(flags: dict[str, bool], need: Need | None, limit: int = 2) -> list[str]:
    """The facilities worth mentioning, need-specific ones first, in plain words."""
    order = list(need.features if need else ()) + [
        f for f in ACCESSIBILITY_FEATURES if not need or f not in need.features
    ]
    return [FEATURE_WORDS[name] for name in order if flags.get(name)][:limit]
