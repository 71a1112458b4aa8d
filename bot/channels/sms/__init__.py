"""Text messages (SMS): a provider's webhook in, one short GSM-7 reply out.

`channel.py` holds the conversation rules (duplicates, STOP/START/HELP, champions' codes),
`render.py` writes the reply for a phone, `keywords.py` the UK keywords, and `providers/` one
file per SMS gateway (Twilio today). See docs/channels.md.
"""
