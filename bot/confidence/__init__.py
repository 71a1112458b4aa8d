"""The confidence check: a short, kind check of digital confidence that ends in a next step.

Plain Python, testable without Rasa: the staff-editable data file (`content`), reading answers
(`answers`), one turn of the check (`flow`), scores, levels and next steps (`scoring`), what the
bot says (`wording`), results kept without identity (`store`), and the calls the Rasa actions
make (`service`). `python -m bot.confidence` checks content/confidence.yml and shows each
question as an SMS resident reads it.
"""
