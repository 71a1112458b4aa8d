"""tests/engine runs in the engine's Python (.venv-rasa, with Rasa), not under the app's pytest.

`make engine-unit` (part of `make test`) runs it with the standard library's unittest, since the
engine's environment has only what Rasa needs. The app's pytest, which cannot import Rasa,
leaves these files alone.
"""

collect_ignore_glob = ["test_*.py", "support.py"]
