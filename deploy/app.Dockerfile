# The app image (Python 3.11): the gateway, the action server and the command line
# (`python -m bot setup-db`, `python -m bot purge`, staff commands). One image, several commands:
# docker-compose.yml and deploy/k8s choose the command per service.
#
#   docker build -f deploy/app.Dockerfile -t getonline-app:0.1.0 .
#
# The environment is installed from the lock file with the Makefile's own pip commands, so the
# image runs the versions the tests ran. Sources are copied after it, so a code change does not
# reinstall anything. The code is owned by root and only readable by the bot's user.
#
# Every container of this image must be given PSEUDONYM_SECRET and SESSION_SECRET: without them
# bot/settings.py would try to generate per-checkout secrets under var/, which is deliberately
# not writable here (each replica would otherwise invent its own, and pseudonyms would differ).

FROM python:3.11.7-slim-bookworm
RUN useradd --create-home --uid 10001 --user-group getonline
WORKDIR /app
COPY requirements/app.in requirements/app.lock requirements/
RUN python -m venv .venv \
    && .venv/bin/python -m pip install --disable-pip-version-check --no-input --no-cache-dir -q pip==24.0 \
    && .venv/bin/python -m pip install --disable-pip-version-check --no-input --no-cache-dir -q \
        -r requirements/app.in -c requirements/app.lock
COPY bot/ bot/
COPY actions/ actions/
COPY content/ content/
# rasa-sdk reads it at start for a `tracing:` section (there is none); without it, it logs an error.
COPY endpoints.yml ./
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8000 5055
# The gateway, as bot/stack.py runs it but on every interface of the container (it is the only
# service published, behind TLS termination). The action server's command is set per service.
CMD ["python", "-m", "uvicorn", "--factory", "bot.gateway.app:create_app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log", "--no-proxy-headers"]
