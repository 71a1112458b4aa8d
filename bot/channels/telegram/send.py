"""Carry out a render plan with the Bot API: one call per message or map pin, in order."""

from __future__ import annotations

from telegram import Bot, LinkPreviewOptions

from bot.channels.telegram.render import Plan, SendText, SendVenue

# Link previews cost data on cheap phones and push the text off a small screen.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_plan(bot: Bot, chat_id: int, plan: Plan) -> None:
    """Plain text only (no parse_mode): nothing in the text can be taken for formatting."""
    for send in plan.sends:
        if isinstance(send, SendText):
            await bot.send_message(
                chat_id, send.text, reply_markup=send.markup, link_preview_options=NO_PREVIEW
            )
        elif isinstance(send, SendVenue):
            await bot.send_venue(
                chat_id,
                latitude=send.pin.latitude,
                longitude=send.pin.longitude,
                title=send.pin.name,
                address=send.address,
                reply_markup=send.markup,
            )
