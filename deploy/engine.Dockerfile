# The engine image: Rasa 3.6.21 on Python 3.10, with the model trained from this checkout.
#
#   docker build -f deploy/engine.Dockerfile -t getonline-engine:0.1.0 .
#
# Two stages. The builder trains exactly as a developer's machine does, by running the
# repository's own `make model`: the same pip commands from requirements/*.lock, the same spaCy
# pipeline build, the same `python -m bot train` (which needs BOTH Pythons: app code on 3.11
# writes the training data from content/ and names the model by its content hash, then the
# engine's Rasa on 3.10 trains it). Splitting that over a 3.11 and a 3.10 image would mean
# re-writing `python -m bot train` in shell here, and the two would drift apart. So the builder
# is the official Python 3.10 image plus Debian bookworm's own Python 3.11 (only for the data
# generation step; it never reaches the final image). Training needs about 3 GB of memory.
#
# The final stage has only what `rasa run` needs: the engine's environment, the model named by
# models/current, the spaCy pipeline the model loads (config.yml: build/spacy/getonline_en), the
# custom NLU component (nlu/, which imports bot/geo) and channel (engine/), endpoints.yml and
# credentials.yml. Every endpoint value comes from the environment (see endpoints.yml).

FROM python:3.10.13-slim-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends make python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The environments first, so a change to the sources does not reinstall them.
COPY Makefile ./
COPY scripts/ scripts/
COPY requirements/ requirements/
RUN make .venv-rasa/.installed .venv/.installed
COPY . .
RUN make model \
    && mkdir /model \
    && cp models/current "models/$(cat models/current)" /model/

FROM python:3.10.13-slim-bookworm
RUN useradd --create-home --uid 10001 --user-group getonline
WORKDIR /app
COPY --from=builder /app/.venv-rasa /app/.venv-rasa
COPY --from=builder /app/build/spacy /app/build/spacy
COPY --from=builder /app/bot /app/bot
COPY --from=builder /app/nlu /app/nlu
COPY --from=builder /app/engine /app/engine
COPY --from=builder /app/endpoints.yml /app/credentials.yml /app/
# Only the current model: models/current names it, and the command below reads it.
COPY --from=builder /model /app/models
ENV PATH=/app/.venv-rasa/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TF_INTER_OP_PARALLELISM_THREADS=1 \
    TF_INTRA_OP_PARALLELISM_THREADS=1 \
    MALLOC_ARENA_MAX=2 \
    TF_ENABLE_ONEDNN_OPTS=0 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    RASA_TELEMETRY_ENABLED=false
USER 10001:10001
EXPOSE 5005
# As bot/stack.py runs it, but on every interface of the container: the engine must still never
# be published (docker-compose.yml and deploy/k8s keep it on the private network).
CMD ["sh", "-c", "exec python -m engine run --enable-api --interface 0.0.0.0 --port 5005 --model \"models/$(cat models/current)\" --endpoints endpoints.yml --credentials credentials.yml --auth-token \"$ENGINE_AUTH_TOKEN\""]
