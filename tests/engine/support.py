"""Each engine test starts from Rasa as shipped and leaves it so."""

from __future__ import annotations

import unittest

from engine import patches, speedups


def start_from_rasa_as_shipped(test: unittest.TestCase) -> None:
    """Put back, after the test, what `patches.apply()` replaces; the next call to the action
    server carries the domain again, as after a start."""
    originals = [
        (touch.container(), touch.name, vars(touch.container()).get(touch.name))
        for touch in patches.installed()
    ]

    def restore() -> None:
        for container, name, original in originals:
            if original is None:  # an attribute Rasa lacks, which apply() adds
                if name in vars(container):
                    delattr(container, name)
            else:
                setattr(container, name, original)
        speedups._Domain.needed = True
        speedups._EVENT_CLASSES.clear()

    restore()
    test.addCleanup(restore)
