"""The rasa-sdk action server: thin adapters from the engine to the domain in `bot/`.

Each action reads slots, calls one plain function of the domain, and dispatches its Reply.
"""
