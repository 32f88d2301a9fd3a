"""The Keras-style progress bar: value and time formats, plain and live modes, verbose=2."""

from __future__ import annotations

import io
import re

import pytest

from lamina.utils import progbar as progbar_module
from lamina.utils.progbar import Progbar, format_step_time, format_value

BAR = "\u2501" * 20
# The shape of the notes' line: 4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 23ms/step - accuracy: 0.6100 - loss: 0.6458
KERAS_LINE = re.compile(r"^(\d+)/\1 \u2501{20} \d+s \d+(s|ms|us)/step( - [a-z_]+: -?\d\.\d{4}(e[+-]\d\d)?)*$")


class FakeClock:
    """perf_counter stand-in: each tick() advances time by the given seconds."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(progbar_module.time, "perf_counter", fake)
    return fake


@pytest.mark.parametrize("value, text", [
    (0.6458, "0.6458"), (0.61, "0.6100"), (12.34567, "12.3457"), (-0.5, "-0.5000"),
    (1e-3, "1.0000e-03"), (2.5e-4, "2.5000e-04"), (0.0, "0.0000e+00"), (0.0011, "0.0011"),
])
def test_values_use_4f_or_4e_like_keras(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize("seconds, text", [
    (0.023, "23ms/step"), (0.105, "105ms/step"), (2.0, "2s/step"), (1.0, "1s/step"), (5e-4, "500us/step"),
    (0.0, "0s/step"), (0.001, "1ms/step"),
])
def test_step_times_in_s_ms_us(seconds: float, text: str) -> None:
    assert format_step_time(seconds) == text


def test_plain_mode_prints_one_clean_line_at_the_end(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(4, stream=out, live=False)
    for step in range(1, 5):
        clock.tick(0.023)
        bar.update(step, [("accuracy", 0.61), ("loss", 0.6458)])
        if step < 4:
            assert out.getvalue() == ""  # nothing until the epoch is complete
    assert out.getvalue() == f"4/4 {BAR} 0s 23ms/step - accuracy: 0.6100 - loss: 0.6458\n"
    assert KERAS_LINE.match(out.getvalue().rstrip("\n"))
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_step_time_leaves_out_the_first_step(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(4, stream=out, live=False)
    clock.tick(1.5)  # a slow first step (warm-up)
    bar.update(1)
    for step in range(2, 5):
        clock.tick(0.014)
        bar.update(step)
    assert out.getvalue() == f"4/4 {BAR} 2s 14ms/step\n"


def test_single_step_uses_its_own_time_like_the_notes_predict_line(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(1, stream=out, live=False)
    clock.tick(0.105)
    bar.update(1)
    assert out.getvalue() == f"1/1 {BAR} 0s 105ms/step\n"


def test_live_mode_rewrites_one_line_with_carriage_returns(clock: FakeClock, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    bar = Progbar(10, stream=out, live=True, interval=0.05)
    for step in range(1, 11):
        clock.tick(0.1)
        bar.update(step, [("loss", 1.0 / step)])
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    frames = text.rstrip("\n").split("\r")[1:]
    assert len(frames) == 10  # redrawn every update, since each is 0.1 s > interval apart
    assert frames[4].startswith(" 5/10 " + "\u2501" * 10 + "\u2500" * 10 + " 0s")  # ETA 5 steps x 0.1 s
    assert frames[-1].rstrip() == f"10/10 {BAR} 1s 100ms/step - loss: 0.1000"


def test_live_mode_respects_the_update_interval(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(100, stream=out, live=True, interval=0.05)
    for step in range(1, 101):
        clock.tick(0.001)
        bar.update(step)
    # 0.1 s in all at most every 0.05 s -> 2 live redraws plus the final one (which is always drawn).
    assert out.getvalue().count("\r") <= 4


def test_live_mode_colours_like_keras(clock: FakeClock, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    bar = Progbar(2, stream=out, live=True)
    clock.tick(0.1)
    bar.update(1)
    assert "\x1b[32m" + "\u2501" * 10 in out.getvalue()  # done: green
    assert "\x1b[37m" + "\u2501" * 10 in out.getvalue()  # to do: grey


def test_verbose_2_prints_one_compact_line(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(4, stream=out, verbose=2)
    for step in range(1, 5):
        clock.tick(0.014)
        bar.update(step, [("accuracy", 0.39), ("loss", 0.7587)])
    assert out.getvalue() == "4/4 - 0s - 14ms/step - accuracy: 0.3900 - loss: 0.7587\n"


def test_verbose_0_prints_nothing(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(3, stream=out, verbose=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    assert out.getvalue() == ""


def test_count_is_right_aligned_to_the_target_width(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(120, stream=out, live=False)
    bar.update(7, finalize=True)
    assert out.getvalue().startswith("  7/120 ")


def test_abandon_ends_a_live_line(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progbar(10, stream=out, live=True)
    clock.tick(0.1)
    bar.update(3)
    bar.abandon()
    assert out.getvalue().endswith("\n") and "10/10" not in out.getvalue()


def test_plain_mode_is_chosen_for_non_terminals() -> None:
    assert Progbar(3, stream=io.StringIO()).live is False
