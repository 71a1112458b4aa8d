"""How the bot holds a conversation across forms: digressions (a question in the middle of a form)."""
