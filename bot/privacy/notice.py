"""What residents are told about their data, from content/local.yml (the council edits it there)."""

from __future__ import annotations

from bot.local import LocalInfo
from bot.replies import MENU, Button, Reply, intent_payload

FORGET = Button("Delete my messages", intent_payload("forget_me"))
CONFIRM_FORGET = Button("Yes, delete", intent_payload("forget_confirm"))
KEEP = Button("No, keep them", intent_payload("deny"))


def _fill(text: str, local: LocalInfo, days: int) -> str:
    """{days}, {helpline} and {data_requests}: the last is who can act on a data request."""
    helpline = f"{local.helpline.name} on {local.helpline.phone}"
    return (
        text.replace("{days}", str(days))
        .replace("{helpline}", helpline)
        .replace("{data_requests}", str(local.data_requests))
    )


def first_contact_notice(local: LocalInfo, days: int) -> str:
    return _fill(local.privacy.notice, local, days)


def privacy_details(local: LocalInfo, days: int) -> Reply:
    return Reply(_fill(local.privacy.details, local, days), (FORGET, MENU))


def confirm_forget() -> Reply:
    """Deleting cannot be undone, so it is asked once more, with plain choices."""
    return Reply(
        "Do you want me to delete your messages and everything I kept about you? This can't be undone.",
        (CONFIRM_FORGET, KEEP),
    )


def forgotten(local: LocalInfo, days: int) -> str:
    return _fill(local.privacy.forgotten, local, days)


def forget_failed(local: LocalInfo, days: int) -> str:
    return _fill(local.privacy.forget_failed, local, days)


def details_removed(local: LocalInfo, days: int) -> str:
    return _fill(local.privacy.removed, local, days)
