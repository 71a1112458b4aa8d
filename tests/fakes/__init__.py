"""Fakes of outside services (the edge of the system) for tests: Bot API, SMS provider."""
