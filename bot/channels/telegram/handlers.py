"""One small handler per kind of Telegram update, each a call to the conversation port.

The bot is for one-to-one chats: in a group, whatever a resident writes would be seen by everyone
there, so the bot answers only /start and /help, with a link to a private chat, and reads
nothing else. In a private chat the user's id is the sender; the port (bot/channels/port.py)
pseudonymises it before anything reaches the engine, the database or the logs, and nothing here
logs it. Every turn is sent with `hold=True`: Telegram keeps what the bot has not taken, so a
message that meets a restarting engine waits for it (up to the deadline) and gets its real
answer, not the apology.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeAlias

from telegram import BotCommand, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.port import ConversationPort
from bot.channels.telegram.ordering import OneChatAtATime
from bot.channels.telegram.render import STORED_MARK, plan_replies
from bot.channels.telegram.send import send_plan
from bot.messages import BotMessage, slow_down
from bot.replies import MENU, intent_payload
from bot.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
COMMANDS = [
    BotCommand("help", "What I can do"),
    BotCommand("start", "Start again"),
    BotCommand("stop", "Stop messages from me"),
    BotCommand("forget", "Delete what I know about you"),
]
NOT_TEXT = (
    "Sorry, I can only read written messages, not pictures, voice messages or stickers. "
    "Please type your question, or choose Menu."
)
# How long a pressed keyboard, or a shown location keyboard, is remembered.
KEYBOARD_SECONDS = 3600
KEYBOARD = "telegram:keyboard"  # kept per conversation: whether "Share my location" is up
LOCATION_KEYBOARD = "location"

Context = ContextTypes.DEFAULT_TYPE
Ask = Callable[[str], Awaitable[list[BotMessage]]]
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# What a resident can send that the bot cannot read (service messages get no answer).
UNREADABLE = (
    filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Sticker.ALL
    | filters.Document.ALL
    | filters.CONTACT
    | filters.POLL
)

# python-telegram-bot's Application is generic in six types; ours uses the defaults.
TelegramApplication: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"


class TelegramHandlers:
    def __init__(self, conversations: ConversationPort) -> None:
        self._conversations = conversations
        conversations.keeps(KEYBOARD)

    def register(self, application: TelegramApplication) -> None:
        application.add_handler(TypeHandler(Update, self.drop_duplicates), group=-1)
        application.add_handler(CommandHandler("start", self.on_start, filters=PRIVATE))
        application.add_handler(CommandHandler("help", self.command(intent_payload("help")), filters=PRIVATE))
        application.add_handler(
            CommandHandler("stop", self.command(intent_payload("opt_out")), filters=PRIVATE)
        )
        application.add_handler(
            CommandHandler("forget", self.command(intent_payload("forget_me")), filters=PRIVATE)
        )
        application.add_handler(MessageHandler(PRIVATE & filters.LOCATION, self.on_location))
        application.add_handler(MessageHandler(PRIVATE & (filters.TEXT | filters.CAPTION), self.on_text))
        application.add_handler(MessageHandler(PRIVATE & UNREADABLE, self.on_other))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(
            CommandHandler(["start", "help"], self.on_group_command, filters=filters.ChatType.GROUPS)
        )
        application.add_error_handler(self.on_error)

    async def drop_duplicates(self, update: Update, context: Context) -> None:
        """Telegram sends an update again when it is not sure we had it: answer it once."""
        if not await self._conversations.first_time(f"telegram:update:{context.bot.id}:{update.update_id}"):
            raise ApplicationHandlerStop

    async def on_start(self, update: Update, context: Context) -> None:
        """/start, or /start CODE from a champion's link t.me/<bot>?start=CODE."""
        code = context.args[0][:64] if context.args else None
        await self._answer(
            update, context, lambda raw: self._conversations.start(CHANNEL, raw, code, hold=True)
        )

    def command(self, payload: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def on_command(update: Update, context: Context) -> None:
            await self._answer(
                update, context, lambda raw: self._conversations.turn(CHANNEL, raw, payload, hold=True)
            )

        return on_command

    async def on_text(self, update: Update, context: Context) -> None:
        """Typed text; a picture's caption counts as text ("is this a scam?" under a screenshot)."""
        message = update.effective_message
        text = (message.text or message.caption) if message else None
        if text:
            await self._answer(
                update, context, lambda raw: self._conversations.turn(CHANNEL, raw, text, hold=True)
            )

    async def on_location(self, update: Update, context: Context) -> None:
        """A shared location: the nearest help from where the resident is."""
        place = update.effective_message.location if update.effective_message else None
        if place is None:
            return
        await self._answer(
            update,
            context,
            lambda raw: self._conversations.location(
                CHANNEL, raw, place.latitude, place.longitude, hold=True
            ),
        )

    async def on_other(self, update: Update, context: Context) -> None:
        """A photo, voice message, sticker...: say what the bot can read, never stay silent."""
        chat = update.effective_chat
        if chat is not None:
            conversation = self._conversation(update)
            await self._send(context, chat.id, conversation, [BotMessage(NOT_TEXT, [MENU.as_dict()])])

    async def on_button(self, update: Update, context: Context) -> None:
        """A button pressed: stop the spinner, take the keyboard away, send the button's payload."""
        query = update.callback_query
        if query is None:
            return
        with contextlib.suppress(TelegramError):  # too old to answer: the press still counts
            await query.answer()
        chat = update.effective_chat
        if query.message is None or chat is None or chat.type != ChatType.PRIVATE or not query.data:
            return
        pressed = hashlib.sha256(f"{self._conversation(update)}:{query.message.message_id}".encode())
        key = f"telegram:pressed:{pressed.hexdigest()}"
        if not await self._conversations.first_time(key, KEYBOARD_SECONDS):
            return  # a second tap on the same keyboard
        with contextlib.suppress(TelegramError):  # already gone, or too old to edit
            await query.edit_message_reply_markup(reply_markup=None)
        payload = await self._payload(query.data)
        await self._answer(
            update, context, lambda raw: self._conversations.turn(CHANNEL, raw, payload, hold=True)
        )

    async def on_group_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(
                "Hello! I only chat one to one, so what you tell me stays private. "
                f"Message me here: https://t.me/{context.bot.username}"
            )

    async def on_error(self, update: object, context: Context) -> None:
        """Log what failed (never the update: it holds the resident's id) and apologise."""
        logger.error("A Telegram update failed: %s", type(context.error).__name__, exc_info=context.error)
        if not isinstance(update, Update):
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        try:
            await context.bot.send_message(chat.id, self._conversations.apology().text or "")
        except TelegramError as error:
            logger.warning("Could not send the apology either: %s", type(error).__name__)

    async def _answer(self, update: Update, context: Context, ask: Ask) -> None:
        """Show "typing..." while the engine works, then send its replies."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        conversation = self._conversation(update)
        async with self._conversations.guard.turn(conversation) as refused:
            if refused:  # told once; more replies would spend the bot's own sending limit
                if refused.tell:
                    await self._send(context, chat.id, conversation, [slow_down()])
                return
            typing = asyncio.create_task(self._typing(context, chat.id))
            try:
                replies = await ask(str(user.id))
            finally:
                await typing
        await self._send(context, chat.id, conversation, replies)

    async def _send(
        self, context: Context, chat_id: int, conversation: str, replies: list[BotMessage]
    ) -> None:
        conversations = self._conversations
        shown = await conversations.recall(conversation, KEYBOARD) == LOCATION_KEYBOARD
        plan = plan_replies(replies, keyboard_shown=shown)
        for data, payload in plan.long_payloads.items():
            await conversations.store(f"telegram:button:{data}", payload)
        await send_plan(context.bot, chat_id, plan)
        if plan.keyboard_shown != shown:
            value = LOCATION_KEYBOARD if plan.keyboard_shown else ""
            await conversations.remember(conversation, KEYBOARD, value, KEYBOARD_SECONDS)

    async def _payload(self, data: str) -> str:
        """The payload a button stands for; an expired long one opens the menu."""
        if not data.startswith(STORED_MARK):
            return data
        return await self._conversations.stored(f"telegram:button:{data}") or MENU.payload

    @staticmethod
    async def _typing(context: Context, chat_id: int) -> None:
        with contextlib.suppress(TelegramError):  # a courtesy: the answer matters, not this
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    def _conversation(self, update: Update) -> str:
        user = update.effective_user
        return self._conversations.conversation_id(CHANNEL, str(user.id if user else ""))


FLOOD_RETRIES = 3


def build_application(
    settings: Settings, conversations: ConversationPort, *, webhook: bool
) -> TelegramApplication:
    """The python-telegram-bot Application, wired; webhook mode has no Updater (our route feeds it)."""
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_api_base_url)
        .concurrent_updates(OneChatAtATime())
        # Telegram's flood control answers 429 "retry after N seconds" when a bot sends too
        # fast (about 30 messages a second in all): the reply waits and is sent again, rather
        # than lost. Only that chat waits (OneChatAtATime).
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
    )
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    TelegramHandlers(conversations).register(application)
    return application
