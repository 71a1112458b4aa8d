"""`python -m actions`: the rasa-sdk action server, started only on a database it can use.

rasa-sdk's own `/health` answers 200 whatever state the database is in, so an action server on
a database that was never set up would look healthy and fail every action that reads a table
("no such table: postcodes"). This start checks the schema's revision against the code's head
first (one query) and refuses with one line; the arguments are rasa-sdk's own
(`python -m actions --port 5055`), with this package as the actions.
"""

from __future__ import annotations

import sys

from rasa_sdk.__main__ import main_from_args
from rasa_sdk.endpoint import create_argument_parser

from bot.db.migrate import schema_problem
from bot.settings import get_settings

ACTIONS_PACKAGE = "actions"


def main(argv: list[str] | None = None) -> int:
    args = create_argument_parser().parse_args(argv)  # type: ignore[no-untyped-call]
    if not (args.actions_module or args.actions):
        args.actions = ACTIONS_PACKAGE
    if problem := schema_problem(get_settings().database_url):
        print(f"The action server will not start. {problem}", file=sys.stderr)
        return 1
    main_from_args(args)  # type: ignore[no-untyped-call]
    return 0


if __name__ == "__main__":
    sys.exit(main())
