"""What geobot prints: one-line errors, and never a registered secret."""

from __future__ import annotations

import io
import json

from geobot.pipeline.model import Note, StageFinished
from geobot.ui import JsonReporter, PlainReporter, Redactor


def test_a_secret_never_reaches_any_output() -> None:
    redact = Redactor(["hunter2-secret"])
    out, err = io.StringIO(), io.StringIO()
    plain = PlainReporter(redact, out=out, err=err)
    plain.emit(Note("certificate", "password is hunter2-secret"))
    plain.result("done", {"password": "hunter2-secret"})
    plain.error("bad hunter2-secret", "hint hunter2-secret")
    stream = io.StringIO()
    JsonReporter(redact, stream).emit(StageFinished("certificate", 1.0, {"pfx_password": "hunter2-secret"}))
    everything = out.getvalue() + err.getvalue() + stream.getvalue()
    assert "hunter2-secret" not in everything
    assert everything.count("[redacted]") == 5


def test_an_error_is_one_line_with_its_hint() -> None:
    err = io.StringIO()
    PlainReporter(Redactor(), err=err).error("stage tls failed: timeout", "run `geobot deploy` to resume")
    assert err.getvalue() == "error: stage tls failed: timeout; run `geobot deploy` to resume\n"


def test_json_events_name_their_kind() -> None:
    stream = io.StringIO()
    JsonReporter(Redactor(), stream).emit(StageFinished("infra", 2.5, {"url": "x"}))
    line = json.loads(stream.getvalue())
    assert (line["event"], line["stage"], line["elapsed"], line["outputs"]) == ("stage_finished", "infra", 2.5, {"url": "x"})


def test_json_lines_from_many_threads_stay_whole_lines() -> None:
    """Stages note progress from one thread per region; every line must still parse on its own."""
    import threading

    out = io.StringIO()
    reporter = JsonReporter(Redactor(), out)
    threads = [threading.Thread(target=lambda n=n: [reporter.emit(Note("code", f"region {n}: {i}")) for i in range(200)])
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1600 and all(json.loads(line)["event"] == "note" for line in lines)
