"""The pure pieces of the phone line: hearing a spoken postcode, and writing replies for the ear.

Nothing here knows Twilio, HTTP or the engine: the voice channel (bot/channels/voice/) calls these
functions on what the speech recogniser heard and on the bot's replies before a `<Say>`.
"""
