"""The Telegram channel: python-telegram-bot inside the gateway, by long polling or a webhook.

`channel.TelegramChannel` is what the gateway starts; `handlers` turns each kind of update into
a `Conversations` call; `render` turns the replies into Bot API calls (keyboards, split text,
map pins) as pure functions; `webhook` checks Telegram's secret token on the webhook route.
"""
