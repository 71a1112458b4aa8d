"""engine/patches.py: one explicit call installs every change to Rasa, once, on the pinned Rasa only."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from pathlib import Path
from unittest import mock

import rasa.version

from engine import patches
from engine.channel import GatewayInput
from tests.engine.support import start_from_rasa_as_shipped

ROOT = Path(__file__).resolve().parents[2]


class ApplyTest(unittest.TestCase):
    def setUp(self) -> None:
        start_from_rasa_as_shipped(self)

    def test_the_pinned_rasa_is_the_one_installed_and_the_one_in_the_requirements(self) -> None:
        self.assertEqual(rasa.version.__version__, patches.PINNED_RASA)
        requirements = (ROOT / "requirements" / "engine.in").read_text(encoding="utf-8")
        self.assertIn(f"rasa[spacy]=={patches.PINNED_RASA}", requirements)

    def test_every_replacement_is_in_place_after_apply(self) -> None:
        self.assertEqual(len(patches.installed()), 18)
        self.assertFalse(any(patches.in_place().values()), "Rasa as shipped has none of them")
        patches.apply()
        self.assertEqual(patches.in_place(), {touch.symbol: True for touch in patches.installed()})

    def test_a_second_apply_changes_nothing(self) -> None:
        patches.apply()
        first = {touch.symbol: vars(touch.container())[touch.name] for touch in patches.installed()}
        patches.apply()
        second = {touch.symbol: vars(touch.container())[touch.name] for touch in patches.installed()}
        self.assertEqual(first, second)
        for replacement in second.values():  # a wrapper around a wrapper would show it
            self.assertIsNone(getattr(getattr(replacement, "__wrapped__", None), patches.MARK, None))

    def test_the_engine_refuses_to_start_on_another_rasa(self) -> None:
        for version in ("3.6.20", "3.6.22", "3.7.0"):
            with (
                mock.patch.object(rasa.version, "__version__", version),
                self.assertRaises(patches.UnsupportedRasa) as refused,
            ):
                GatewayInput.from_credentials(None)
            self.assertIn(f"this is Rasa {version}", str(refused.exception))
            self.assertIn(patches.PINNED_RASA, str(refused.exception))
            self.assertFalse(any(patches.in_place().values()), "nothing is changed before refusing")

    def test_check_version_accepts_only_the_pinned_one(self) -> None:
        patches.check_version("3.6.21")
        with self.assertRaises(patches.UnsupportedRasa):
            patches.check_version("3.6.20")

    def test_a_listed_symbol_that_rasa_lacks_stops_the_start(self) -> None:
        gone = patches.Touch("rasa.core.lock_store", "LockStore", "_gone", "read", "nowhere", "a test")
        with (
            mock.patch.object(patches, "TOUCHED", (*patches.TOUCHED, gone)),
            self.assertRaises(patches.UnsupportedRasa) as refused,
        ):
            patches.apply()
        self.assertIn("rasa.core.lock_store.LockStore._gone", str(refused.exception))
        self.assertFalse(any(patches.in_place().values()))

    def test_every_listed_symbol_exists_in_this_rasa(self) -> None:
        self.assertEqual(patches.missing(), [])

    def test_the_channel_rasa_makes_first_applies_them(self) -> None:
        channel = GatewayInput.from_credentials(None)
        self.assertIsInstance(channel, GatewayInput)
        self.assertTrue(all(patches.in_place().values()))

    def test_docs_architecture_lists_every_touched_symbol(self) -> None:
        docs = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        unlisted = [touch.symbol for touch in patches.TOUCHED if f"`{touch.symbol}`" not in docs]
        self.assertEqual(unlisted, [], "add them to docs/architecture.md, 'Changes to Rasa's internals'")

    def test_credentials_name_the_channel_that_applies_them(self) -> None:
        credentials = (ROOT / "credentials.yml").read_text(encoding="utf-8")
        self.assertIn("engine.channel.GatewayInput:", credentials)


def engine_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a new engine Python in the repo, as `rasa run` is run."""
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


class StartTest(unittest.TestCase):
    def test_importing_engine_changes_nothing_in_rasa(self) -> None:
        result = engine_python(
            "import engine.channel, engine.graph_runner, engine.speedups, engine.tracker_store\n"
            "from engine import patches\n"
            "print(sorted(set(patches.in_place().values())))\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip().splitlines()[-1], "[False]")

    def test_rasa_run_on_another_rasa_stops_with_one_line(self) -> None:
        # As `rasa run` starts with this repo's credentials.yml and endpoints.yml, before any model loads.
        result = engine_python(
            "import sys, rasa.version\n"
            "rasa.version.__version__ = '3.6.20'\n"
            "from rasa.__main__ import main\n"
            "sys.argv = ['rasa', 'run', '--interface', '127.0.0.1', '--port', '9', '--model', 'no-model']\n"
            "main()\n",
            ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook",
            TRACKER_STORE_URL="sqlite://",
            LOCK_STORE_TYPE="in_memory",
            LOCK_STORE_HOST="",
            LOCK_STORE_PORT="0",
            LOCK_STORE_DB="0",
            LOCK_STORE_PASSWORD="",
        )
        self.assertEqual(result.returncode, 1, result.stderr)
        refusal = [line for line in result.stdout.splitlines() if "UnsupportedRasa" in line]
        self.assertEqual(len(refusal), 1, result.stdout + result.stderr)
        self.assertIn("this is Rasa 3.6.20", refusal[0])


if __name__ == "__main__":
    unittest.main()
