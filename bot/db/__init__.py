"""The database: typed models (`models`), engines and sessions (`session`), migrations (`migrate`).

Importing this package connects to nothing; an engine is made on first use.
"""
