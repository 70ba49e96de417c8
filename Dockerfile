# One image for every Python process of the pipeline; docker-compose picks the command.
# The package is built as a wheel and installed from it, as tests/integration/test_wheel.py does:
# the running image holds no source tree, only the installed package with its rule files.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY deploy ./deploy
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV TELEBILL_STATE_DIR=/var/lib/telebill
WORKDIR /var/lib/telebill
CMD ["telebill", "--help"]
