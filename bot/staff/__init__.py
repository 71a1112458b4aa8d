"""Council staff: accounts (argon2 hashes), login sessions, CSRF tokens and login rate limits.

Shared by the admin (/admin) and the reports (/reports); the resident chat never touches it.
"""
