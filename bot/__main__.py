"""`python -m bot`: the command line for staff and for the Makefile."""

from bot.cli import main

if __name__ == "__main__":
    main()
