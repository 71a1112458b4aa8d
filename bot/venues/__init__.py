"""Venues, sessions and Digital Champions, and the nearest-help search over them.

The conversation (and `python -m bot nearest`) asks a `bot.venues.help_desk.HelpDesk`, which
searches with `bot.venues.search.find_help` and words the reply with
`bot.venues.help_text.render_help_text`.
"""
