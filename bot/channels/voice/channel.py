"""The phone line: Twilio Voice's signed webhooks in, TwiML out, the same conversation as any channel.

A call goes: Twilio posts the call (/webhooks/voice/twilio) -> the signature is checked exactly
as for SMS (403 if forged) -> the caller's number is pseudonymised by the port, like an SMS
sender, so ringing again from it is the same conversation -> a caller who hung up while asked
something goes on from there ("Welcome back"), anyone else is greeted by the engine (a first
call hears the privacy notice, said for the phone) -> every answer is a <Gather>, whose result
Twilio posts to /webhooks/voice/twilio/gather -> `call.understand` says what it means: a key
or words for the engine (a key is the option of that number, as a typed number by SMS), a
postcode to read back first, or the call's own business (repeat, slower, text me, silence).

The caller's number is used for the turn (the port pseudonymises it) and, when they ask for a
text, in the one request to Twilio; it is never kept. What is kept per conversation is the
call's place (`call.CallState`, declared with `keeps`, so "forget me" drops it). Whatever
goes wrong inside, the caller hears an apology with the helpline, never silence or a 5xx.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.port import ConversationPort
from bot.channels.sms.providers.base import Fields, Rejected
from bot.channels.sms.providers.twilio import TwilioProvider
from bot.channels.voice import twiml
from bot.channels.voice.call import MENU_MESSAGE, TEXT_KEY, CallState, Do, Heard, understand
from bot.channels.voice.hints import speech_hints
from bot.channels.voice.speech import Spoken, parts_for_the_ear, spoken
from bot.channels.voice.texting import TextSender, text_once
from bot.channels.voice.wording import Wording, cached_wording
from bot.privacy.notice import first_contact_notice, forget_failed, forgotten, privacy_details
from bot.settings import Settings
from bot.voice.ear import is_uk_mobile
from bot.voice.postcodes import read_back

log = logging.getLogger(__name__)
CHANNEL = "voice"
CALL_PATH = "/webhooks/voice/twilio"
GATHER_PATH = "/webhooks/voice/twilio/gather"
STATE = "voice:call"
_CALL_SID = re.compile(r"^CA[A-Za-z0-9]{8,62}$")
# A number Twilio passes on; a withheld one comes as "anonymous", "+266696687" or similar.
_NUMBER = re.compile(r"^\+[1-9][0-9]{7,14}$")
_WITHHELD = {"+266696687", "+86282452253", "+7378742833", "+2562533"}
MAX_NUMBER_CHARS = 64
MAX_DIGITS = 20  # one key for an option, or a phone number keyed in (with its country code)


@dataclass(frozen=True)
class Caller:
    """Who is on the line: the id the conversation is kept under, and a number to text, if any."""

    sender: str  # the raw number, or the call's own id when the number is withheld
    number: str | None
    call: str


def parse_caller(fields: Fields) -> Caller:
    call = fields.get("CallSid", "").strip()
    raw = fields.get("From", "").strip()
    if not _CALL_SID.match(call):
        raise Rejected(400, "The CallSid field is missing")
    if len(raw) > MAX_NUMBER_CHARS:
        raise Rejected(400, "The From field is too long")
    if _NUMBER.match(raw) and raw not in _WITHHELD:
        return Caller(sender=raw, number=raw, call=call)
    # A withheld number: a conversation for this call only, never one shared by all such callers.
    return Caller(sender=f"call:{call}", number=None, call=call)


def heard_from(fields: Fields) -> Heard:
    confidence: float | None
    try:
        confidence = float(fields["Confidence"]) if fields.get("Confidence") else None
    except ValueError:
        confidence = None
    return Heard(
        digits=fields.get("Digits", "")[:MAX_DIGITS],
        speech=fields.get("SpeechResult", "")[:1000],
        confidence=confidence,
    )


class VoiceChannel:
    def __init__(
        self,
        settings: Settings,
        conversations: ConversationPort,
        *,
        texts: TextSender | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._port = conversations
        self._provider = TwilioProvider(settings.twilio_auth_token or "", settings.public_base_url)
        self._style = twiml.VoiceStyle.from_settings(settings)
        local, days = conversations.local, settings.retention_days
        self._words: Wording = cached_wording(settings.content_dir).filled(local, days)
        # The notice the gateway gives at a first message, and the privacy details, said for the phone.
        self._notice = {first_contact_notice(local, days): self._words.privacy_notice}
        self._replaced = {
            privacy_details(local, days).text: self._words.privacy_details,
            forget_failed(local, days): self._words.forget_failed,
        }
        self._forgotten = forgotten(local, days)
        self._apology = conversations.apology().text or ""
        self._hints = speech_hints(settings.places_file, settings.kb_dir)
        # "Text me this": None when Twilio's REST API is not configured (then it is never offered).
        self._texts = texts
        self._clock = clock
        self._max_call = settings.voice_max_call_minutes * 60
        self._keep_for = max(int(settings.voice_resume_minutes * 60), int(self._max_call) + 60)
        self._min_confidence = settings.voice_min_confidence
        conversations.keeps(STATE)
        self.routes: list[BaseRoute] = [
            Route(CALL_PATH, self._endpoint(self.answer_call), methods=["POST"]),
            Route(GATHER_PATH, self._endpoint(self.answer_gather), methods=["POST"]),
        ]

    async def start(self) -> None:
        """Nothing to start: Twilio calls the webhook."""

    async def stop(self) -> None:
        if self._texts is not None:
            await self._texts.aclose()

    # ---- the webhooks ---------------------------------------------------------------------

    def _endpoint(
        self, answer: Callable[[Caller, Fields], Awaitable[str]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                fields = await self._provider.fields(request)
                if not self._provider.verify(request, fields):
                    return PlainTextResponse("Invalid signature", status_code=403)
                caller = parse_caller(fields)
            except Rejected as rejected:
                return PlainTextResponse(rejected.reason, status_code=rejected.status_code)
            try:
                text = await answer(caller, fields)
            except Exception as error:  # the caller hears an apology; the log says where, not who
                frames = "".join(traceback.format_tb(error.__traceback__))
                log.error("Voice turn failed with %s\n%s", type(error).__name__, frames)
                text = self._listen_only(parts_for_the_ear(self._apology), slow=False)
            return Response(text, media_type=twiml.TWIML)

        return endpoint

    async def answer_call(self, caller: Caller, fields: Fields | None = None) -> str:
        """A call comes in: go on where the caller was, or let the engine greet them."""
        conversation = self._port.conversation_id(CHANNEL, caller.sender)
        now = self._clock()
        state = await self._load(conversation)
        if state is not None and state.call != caller.call and state.resumable():
            state = state.for_call(caller.call, now)
            return await self._listen(conversation, state, [self._words.welcome_back, *state.said])
        state = state.for_call(caller.call, now) if state is not None else CallState(caller.call, now)
        return await self._engine(conversation, caller, state, None)

    async def answer_gather(self, caller: Caller, fields: Fields | None = None) -> str:
        """What the caller said or pressed (or nothing), and the answer to it."""
        conversation = self._port.conversation_id(CHANNEL, caller.sender)
        now = self._clock()
        state = await self._load(conversation)
        if state is None:
            state = CallState(caller.call, now)
        elif state.call != caller.call:
            state = state.for_call(caller.call, now)
        heard = heard_from(fields) if fields is not None else Heard()
        step = understand(heard, state, min_confidence=self._min_confidence)
        words = self._words
        quiet = replace(state, silences=0)
        if step.do is Do.ASK_AGAIN:
            state = replace(state, silences=state.silences + 1)
            return await self._listen(conversation, state, [words.not_heard, *state.said])
        if step.do is Do.OFFER_MENU:
            silences = state.silences + 1
            return await self._engine(
                conversation, caller, state, MENU_MESSAGE, before=[words.still_not_heard], silences=silences
            )
        if step.do is Do.GIVE_UP:
            await self._save(conversation, replace(state, ended=True, silences=0))
            return twiml.goodbye(parts_for_the_ear(words.goodbye_silent), style=self._style, slow=state.slow)
        if step.do is Do.REPEAT:
            if not state.said:
                return await self._engine(conversation, caller, quiet, MENU_MESSAGE)
            return await self._listen(conversation, quiet, list(state.said))
        if step.do is Do.SLOWER:
            state = replace(quiet, slow=True)
            return await self._listen(conversation, state, [words.slower, *state.said])
        if step.do is Do.FASTER:
            state = replace(quiet, slow=False)
            return await self._listen(conversation, state, [words.faster, *state.said])
        if step.do is Do.CHECK_POSTCODE and step.postcode:
            prompt = words.postcode_check.replace("{postcode}", read_back(step.postcode))
            state = replace(
                quiet, postcode=step.postcode, confirmed_message=step.message, said=(prompt,), asks=False
            )
            return await self._listen(conversation, state, [prompt])
        if step.do is Do.POSTCODE_AGAIN:
            state = replace(quiet, postcode=None, confirmed_message=None, said=(words.postcode_again,))
            return await self._listen(conversation, state, [words.postcode_again])
        if step.do is Do.NO_SUCH_KEY:
            return await self._listen(
                conversation, quiet, [words.no_such_key, *(state.options or state.said)]
            )
        if step.do is Do.TEXT_ME:
            said, state = await self._text_me(caller, quiet)
            return await self._listen(conversation, state, [said, *state.options])
        return await self._engine(conversation, caller, quiet, step.message or "")

    # ---- turns ----------------------------------------------------------------------------

    async def _engine(
        self,
        conversation: str,
        caller: Caller,
        state: CallState,
        message: str | None,
        *,
        before: Sequence[str] = (),
        silences: int = 0,
    ) -> str:
        """A turn of the conversation (None: the call's greeting), said, then listened for."""
        async with self._port.guard.turn(conversation) as refused:
            if refused:
                return await self._listen(conversation, state, [*before, self._words.busy])
            if message is None:
                replies = await self._port.start(CHANNEL, caller.sender)
            else:
                replies = await self._port.turn(CHANNEL, caller.sender, message)
        answer = spoken(replies, notice=self._notice, replaced=self._replaced, forgotten_text=self._forgotten)
        return await self._answered(
            conversation, caller, state, answer, before=before, silences=silences, greeting=message is None
        )

    async def _answered(
        self,
        conversation: str,
        caller: Caller,
        state: CallState,
        answer: Spoken,
        *,
        before: Sequence[str],
        silences: int,
        greeting: bool = False,
    ) -> str:
        if answer.forgotten:  # everything about them is gone: so is the call's place, and the call ends
            parts = [*before, *answer.notice, *answer.answer, self._words.forgotten_goodbye]
            return twiml.goodbye(parts, style=self._style, slow=state.slow)
        offer = self._can_text(caller, answer)
        said = (*answer.answer, *((self._words.text_offer,) if offer else ()), *answer.options)
        before = [*before, *answer.notice]
        state = replace(
            state,
            menu=answer.options if greeting else state.menu,
            said=said,
            options=answer.options,
            keys=answer.option_count,
            asks=answer.asks,
            textable=answer.textable if offer else None,
            postcode=None,
            confirmed_message=None,
            silences=silences,
            number=answer.asks_number,
        )
        return await self._listen(conversation, state, [*before, *said], closing=[*before, *answer.answer])

    def _can_text(self, caller: Caller, answer: Spoken) -> bool:
        return bool(
            self._texts is not None
            and answer.textable
            and caller.number
            and is_uk_mobile(caller.number)
            and answer.option_count < int(TEXT_KEY)
        )

    async def _text_me(self, caller: Caller, state: CallState) -> tuple[str, CallState]:
        """One text with the last answer's details, to the number calling, now; nothing kept."""
        words = self._words
        if not caller.number or not is_uk_mobile(caller.number):
            return words.not_a_mobile, state
        if self._texts is None or not state.textable:
            return words.nothing_to_text, state
        if not await text_once(self._texts, caller.number, state.textable):
            return words.text_failed, state
        return words.texted, replace(state, textable=None)  # one text for one answer

    async def _listen(
        self,
        conversation: str,
        state: CallState,
        parts: Sequence[str],
        *,
        closing: Sequence[str] | None = None,
    ) -> str:
        """Say the parts and listen; past the call's set length, say goodbye instead."""
        if self._clock() - state.started >= self._max_call:
            await self._save(conversation, replace(state, ended=True))
            ending = [*(closing if closing is not None else ()), self._words.time_up]
            return twiml.goodbye(ending, style=self._style, slow=state.slow)
        await self._save(conversation, state)
        return self._listen_only(parts, slow=state.slow, number=state.number)

    def _listen_only(self, parts: Sequence[str], *, slow: bool, number: bool = False) -> str:
        return twiml.gather(
            parts, style=self._style, action=GATHER_PATH, hints=self._hints, slow=slow, number=number
        )

    async def _load(self, conversation: str) -> CallState | None:
        return CallState.from_json(await self._port.recall(conversation, STATE))

    async def _save(self, conversation: str, state: CallState) -> None:
        await self._port.remember(conversation, STATE, state.to_json(), self._keep_for)
