"""`python -m engine run ...`: Rasa's command line, in a process that never loads TensorFlow.

The engine's start (bot/stack.py, deploy/engine.Dockerfile) runs this instead of `python -m
rasa`: it installs the TensorFlow placeholders (engine/no_tensorflow.py) before anything of
Rasa is imported, then hands the arguments to Rasa's own `main()`. `rasa train` and `rasa data
validate`, run as `python -m rasa`, import the real TensorFlow as before.
"""

from __future__ import annotations

from engine import no_tensorflow


def main() -> None:
    no_tensorflow.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
