"""The TwiML a call is answered with, built with twilio's VoiceResponse.

Every answer but the last is one <Gather> (speech or one key, British English, the speech hints)
with the parts said inside it, so a caller can answer or press a key while it talks; Twilio calls
the action URL even when nothing was heard (`actionOnEmptyResult`), which is how silence is
counted. The last answer says its parts and hangs up. The voice and language are set here, from
settings, and nowhere else. No <Record> and no `record` attribute: a call is never recorded.
Each part is cut again to MAX_SPOKEN_WORDS, so no <Say> is ever longer, whatever it was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Say, VoiceResponse

from bot.channels.voice.call import NUMBER_END_KEY
from bot.settings import Settings
from bot.voice.ear import MAX_SPOKEN_WORDS, split_for_speech

TWIML = "text/xml"


@dataclass(frozen=True)
class VoiceStyle:
    """How the bot sounds and what it listens for: one voice, one language, one slower rate."""

    voice: str
    language: str
    slow_rate: str
    wait_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceStyle:
        return cls(
            voice=settings.voice_tts_voice,
            language=settings.voice_language,
            slow_rate=settings.voice_slow_rate,
            wait_seconds=settings.voice_wait_seconds,
        )


def speakable(parts: Sequence[str]) -> list[str]:
    """The parts, each within MAX_SPOKEN_WORDS words, empty ones dropped."""
    return [piece for part in parts for piece in split_for_speech(part, MAX_SPOKEN_WORDS) if piece.strip()]


def _say(parent: TwiML, text: str, style: VoiceStyle, *, slow: bool) -> None:
    if slow:  # SSML <prosody>: Amazon Polly's voices through Twilio honour its rate
        say = Say(voice=style.voice, language=style.language)
        say.prosody(text, rate=style.slow_rate)
    else:
        say = Say(text, voice=style.voice, language=style.language)
    parent.append(say)


def gather(
    parts: Sequence[str],
    *,
    style: VoiceStyle,
    action: str,
    hints: str,
    slow: bool = False,
    number: bool = False,
) -> str:
    """Say the parts and listen for the answer: words, or one key (`number`: a phone number is
    asked for, so many keys, ended by # or a pause)."""
    response = VoiceResponse()
    listen = response.gather(
        input="speech dtmf",
        action=action,
        method="POST",
        language=style.language,
        hints=hints or None,
        speech_timeout="auto",
        timeout=style.wait_seconds,
        num_digits=None if number else 1,
        # * and # are keys the caller presses, not the end of the input; a number ends with #.
        finish_on_key=NUMBER_END_KEY if number else "",
        action_on_empty_result=True,
    )
    for part in speakable(parts):
        _say(listen, part, style, slow=slow)
    return str(response)


def goodbye(parts: Sequence[str], *, style: VoiceStyle, slow: bool = False) -> str:
    """Say the parts, then end the call."""
    response = VoiceResponse()
    for part in speakable(parts):
        _say(response, part, style, slow=slow)
    response.hangup()
    return str(response)
