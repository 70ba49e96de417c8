# One image for every Python process of the pipeline; docker-compose picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY deploy ./deploy
RUN pip install --no-cache-dir .
ENV TELEBILL_STATE_DIR=/var/lib/telebill
CMD ["telebill", "--help"]
