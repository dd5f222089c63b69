"""The console script ends a finished `run` or `report` without Python's teardown (issue 15)."""

import subprocess
import sys
from pathlib import Path

import pytest

import forecast.cli

_END_NOW = r"""
import atexit, sys
from forecast.cli._common import end_without_teardown

atexit.register(lambda: open(sys.argv[1], "w").write("ran"))
sys.stdout.write("written, no newline")
end_without_teardown(0)
print("not reached")
"""


def test_ending_without_teardown_runs_the_exit_handlers_and_flushes(tmp_path: Path) -> None:
    mark = tmp_path / "handler"
    done = subprocess.run(
        [sys.executable, "-c", _END_NOW, str(mark)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "written, no newline"
    assert mark.read_text() == "ran"


class _Ended(Exception):  # noqa: N818 - stands for the process ending
    pass


@pytest.mark.parametrize(
    ("asked", "argv", "ends_now", "code"),
    [
        (True, ["--version"], True, 0),  # asked, succeeded: ends at once
        (False, ["--version"], False, 0),  # not asked: a normal exit
        (True, ["--no-such-option"], False, 2),  # asked but failed: the exit code stands
    ],
)
def test_main_ends_at_once_only_after_a_command_that_asked_and_succeeded(
    monkeypatch: pytest.MonkeyPatch, asked: bool, argv: list[str], ends_now: bool, code: int
) -> None:
    def end(exit_code: int) -> None:
        raise _Ended(exit_code)

    monkeypatch.setattr(forecast.cli, "end_without_teardown", end)
    monkeypatch.setattr(forecast.cli, "teardown_skipped", lambda: asked)
    monkeypatch.setattr(sys, "argv", ["forecast", *argv])
    if ends_now:
        with pytest.raises(_Ended) as ended:
            forecast.cli.main()
        assert ended.value.args == (0,)
    else:
        with pytest.raises(SystemExit) as exited:
            forecast.cli.main()
        assert exited.value.code == code
