"""Teaching the bot what it missed: staff assign "not understood" messages (issue 16)."""
