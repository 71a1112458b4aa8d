"""Phone calls (Twilio Voice): the same bot by voice, for people with only a landline.

`channel.py` takes Twilio's signed webhooks and runs a turn, `call.py` decides what a caller's
keypress, words or silence mean (pure, no I/O), `speech.py` turns the bot's messages into what
is said, `twiml.py` writes the TwiML (the one place the voice and language are set), `hints.py`
the speech-recognition hints, `texting.py` "text me this", `wording.py` the line's own words
(content/voice.yml). The speech pieces themselves (postcodes heard, numbers for the ear) are in
bot/voice/. See docs/channels.md.
"""
