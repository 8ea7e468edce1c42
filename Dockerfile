# complyai as a container, for CI systems that run images:
#   docker build -t complyai .
#   docker run --rm -v "$PWD:/work" complyai audit --format sarif --output complyai.sarif --format text
# The repository is mounted at /work (the working directory); the process runs as an unprivileged user.
# As a GitLab job image, override the entrypoint so the runner gets a shell: `image: {name: ..., entrypoint: [""]}`.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY policy_engine ./policy_engine
# The bundled rulesets and schemas travel inside the wheel (policy_engine/_bundled, see resources.py).
COPY rulesets ./rulesets
COPY model_cards ./model_cards
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
# git: for `complyai audit --changed-since REF`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin complyai
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV HOME=/home/complyai \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    NO_COLOR=1
USER 10001
WORKDIR /work
# A mounted repository belongs to another uid: let git read it anyway.
RUN git config --global --add safe.directory '*'
ENTRYPOINT ["complyai"]
CMD ["--help"]
