"""Where a person's data lives, and how to reach it from the app.

The engine keeps conversations in Rasa's SQL tracker store (table `events`, one row per event,
`sender_id` = the pseudonymous conversation id, `timestamp` in Unix seconds); the app keeps
contacts, usage events and confidence results under one-way hashes of that id. Deleting a
person, or everything older than the retention period, touches all of them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, make_url

_tracker = MetaData()
TRACKER_EVENTS = Table(
    "events",
    _tracker,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def app_database_url(tracker_store_url: str) -> str:
    """The tracker store's URL for the app's SQLAlchemy 2 and psycopg 3 (the engine uses psycopg2)."""
    url = make_url(tracker_store_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)
