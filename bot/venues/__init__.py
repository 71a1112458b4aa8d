"""Venues, sessions and Digital Champions, and the nearest-help search over them.

The conversation calls `bot.venues.search.find_help` and `bot.venues.render.render_help_text`.
"""
