"""Tests of engine/, run in the engine's Python by `make engine-unit` (see conftest.py)."""

import logging

# unittest's async tests run asyncio in debug mode, which logs every callback slower than 0.1 s.
logging.getLogger("asyncio").setLevel(logging.ERROR)
