"""The programme's figures at /reports: aggregate, pseudonymous counts, as charts, tables and CSV."""
