"""Messages the bot starts: reminders, follow-ups, retake invitations, late SMS answers.

A message is a row (`OutboundMessage`: due time, kind, channel, status, attempts), scheduled
with `schedule_message` for a conversation whose resident agreed to be contacted
(`save_contact`, the address encrypted with `ContactCipher`), and sent by the dispatcher
(bot.outbound.dispatch) through the channel senders. See docs/architecture.md.
"""

from bot.outbound.cipher import ContactCipher, UnreadableAddress
from bot.outbound.quiet import QuietHours, as_utc
from bot.outbound.store import (
    NoConsent,
    cancel_by_reference_prefix,
    cancel_pending,
    contact_for,
    delete_contact_if_done,
    forget_conversation,
    has_contact,
    pending_summary,
    purge_outbound,
    save_contact,
    schedule_message,
    status_counts,
    stop_conversation,
)

__all__ = [
    "ContactCipher",
    "NoConsent",
    "QuietHours",
    "UnreadableAddress",
    "as_utc",
    "cancel_by_reference_prefix",
    "cancel_pending",
    "contact_for",
    "delete_contact_if_done",
    "forget_conversation",
    "has_contact",
    "pending_summary",
    "purge_outbound",
    "save_contact",
    "schedule_message",
    "status_counts",
    "stop_conversation",
]
