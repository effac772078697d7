"""Messaging channels: Telegram, Twilio (SMS and WhatsApp), Facebook Messenger and Slack.

One module per platform (input + output channel, registered in credentials.yml by module
path), `formatting` for how replies look on each, `signatures` for how each platform's
webhooks are authenticated, `common` for what they share at run time. Set-up: docs/channels.md.
"""
