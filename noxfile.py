"""Developer sessions: lint, typecheck, tests (default), e2e, bench, build, network."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.11", "3.12", "3.13"]


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (check and format) and the import-layer contracts."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy on the package."""
    session.install("-e", ".[lint]")
    session.run("mypy", "forecast")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite without network and slow tests, with coverage."""
    session.install("-e", ".[test]")
    session.run(
        "pytest", "--cov=forecast", "--cov-report=term-missing:skip-covered", *session.posargs
    )


@nox.session
def e2e(session: nox.Session) -> None:
    """End-to-end CLI tests, then the CLI's help in a bare install."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests/e2e", *session.posargs)
    session.run("python", "-m", "forecast", "--help")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: every script under benchmarks/ (each prints a JSON line last)."""
    session.install("-e", ".")
    for script in sorted(__import__("pathlib").Path("benchmarks").glob("[!_]*.py")):
        session.run("python", str(script), *session.posargs)


@nox.session
def network(session: nox.Session) -> None:
    """Live-source smoke tests; opt-in, never in CI."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "network", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel and check their metadata."""
    session.install("build", "twine")
    session.run("python", "-m", "build")
    session.run("twine", "check", "dist/*")
