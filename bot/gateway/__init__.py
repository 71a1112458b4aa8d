"""The gateway: channels in, one conversation turn through the engine, replies out."""
