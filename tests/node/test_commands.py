from __future__ import annotations

from kactors.node import (
    DEFAULT_IMAGES,
    FileSpec,
    LogSpec,
    apply_command,
    interpret,
    pi_digits,
)


def test_no_command_keeps_the_image_default() -> None:
    assert interpret([], []) is None
    assert apply_command(DEFAULT_IMAGES["busybox"], [], []) is DEFAULT_IMAGES["busybox"]


def test_sleep_runs_that_long() -> None:
    script = interpret(["sleep", "3600"], [])
    assert script is not None and script.run_seconds == 3600.0 and script.exit_code == 0
    assert interpret(["sleep"], ["infinity"]).run_seconds is None  # type: ignore[union-attr]


def test_shell_script_with_echo_sleep_exit() -> None:
    script = interpret(["/bin/sh", "-c"], ["echo hello; sleep 5; echo bye; exit 3; sleep 100"])
    assert script is not None
    assert script.run_seconds == 5.0
    assert script.exit_code == 3
    assert script.logs == (LogSpec("hello", 0.0), LogSpec("bye", 5.0))


def test_while_true_loop_prints_periodically_forever() -> None:
    script = interpret(["sh", "-c", 'while true; do echo "$(date) tick"; sleep 5; done'], [])
    assert script is not None and script.run_seconds is None
    assert script.logs == (LogSpec("$(date) tick", 0.0, every=5.0),)


def test_liveness_example_touches_and_removes_a_file() -> None:
    script = interpret([], ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"])
    assert script is not None
    assert script.run_seconds == 630.0
    assert script.files == (FileSpec("/tmp/healthy", 0.0, 30.0),)
    assert script.files[0].exists(29.9) and not script.files[0].exists(30.0)


def test_perl_pi_job() -> None:
    script = interpret(["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"], [])
    assert script is not None and script.run_seconds == 10.0 and script.exit_code == 0
    (line,) = script.logs
    assert line.at == 10.0
    assert line.text.startswith("3.14159265358979323846264338327950288419716939937510")
    assert len(line.text) == 2001  # 2000 digits and the point


def test_pi_digits_are_right() -> None:
    assert pi_digits(1) == "3"
    assert pi_digits(10) == "3.141592653"
    assert pi_digits(60) == "3.14159265358979323846264338327950288419716939937510582097494"


def test_shell_images_run_unknown_scripts_briefly() -> None:
    behavior = apply_command(DEFAULT_IMAGES["busybox"], ["/app/run"], [])
    assert behavior.run_seconds == 0.1 and behavior.exit_code == 0


def test_other_images_only_change_for_understood_words() -> None:
    nginx = DEFAULT_IMAGES["nginx"]
    assert apply_command(nginx, [], ["nginx", "-g", "daemon off;"]) is nginx
    sleeping = apply_command(nginx, ["sh", "-c", "sleep 10"], [])
    assert sleeping.run_seconds == 10.0
