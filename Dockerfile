# One image for every process of the assistant (Rasa server, action server, console, website);
# docker-compose.yml chooses the command. The model is trained at build time, so an image is
# one reviewed version of data, rules and code.
FROM python:3.10.13-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 TQDM_DISABLE=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps -r requirements.lock && pip check
COPY web/package.json web/package-lock.json web/
RUN npm ci --prefix web --omit=dev --no-audit --no-fund
COPY . .
RUN python -m clinical_nlp.build --out var/nlp/clinic_en \
    && rasa train --quiet --out models --domain domain \
    && useradd --system --uid 10001 assistant && chown -R assistant /app/var /app/models
USER assistant
EXPOSE 5005 5055 5010 8000
CMD ["python", "-m", "actions.server"]
