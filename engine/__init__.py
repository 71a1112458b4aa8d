"""Code that runs inside the Rasa engine (Python 3.10) besides the NLU components in `nlu/`."""
