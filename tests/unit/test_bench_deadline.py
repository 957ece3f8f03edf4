"""The pure parts of the deadline-day benchmark (benchmarks/webclient.py, benchmarks/deadline.py):
reading forms as a browser would post them, the multipart body, the percentiles per action
and the report's verdict. Not timed."""

from __future__ import annotations

import math

import pytest

from benchmarks.deadline import report_lines
from benchmarks.webclient import multipart, parse_page, percentile, summarise

PAGE = """<!doctype html><html><body>
<a href="/jury/kandidaturen/7/ronde/1">Kandidatuur 7</a>
<form method="post" action="/aanmelden/elders"><input name="q" value="x"></form>
<form method="post" enctype="multipart/form-data" novalidate>
  <input type="hidden" name="csrf_token" value="tok&amp;en">
  <textarea name="partnership_fit">
Eerste regel &lt;b&gt;</textarea>
  <textarea name="answer_cc_1"></textarea>
  <input type="checkbox" name="challenge_RU1" value="y" checked>
  <input type="checkbox" name="challenge_RU2" value="y">
  <input type="checkbox" name="declaration_a">
  <input type="text" name="disabled_one" value="nee" disabled>
  <select name="score"><option value="">Kies</option><option value="3" selected>3</option>
  </select>
  <select name="bloc"><option>VDAB</option><option>Extern</option></select>
  <input type="file" name="bijlage">
  <button type="submit" name="action" value="save">Opslaan</button>
  <button type="submit" name="action" value="submit">Indienen</button>
  <button type="button" name="noop">Niets</button>
  <input type="reset" name="reset">
</form></body></html>"""


def test_parse_page_reads_forms_as_a_browser_posts_them():
    page = parse_page("http://127.0.0.1:8000/kandidaturen/5", 200, PAGE)
    assert [f.action for f in page.forms] == ["http://127.0.0.1:8000/aanmelden/elders",
                                               "http://127.0.0.1:8000/kandidaturen/5"]
    assert page.links == ["http://127.0.0.1:8000/jury/kandidaturen/7/ronde/1"]
    form = page.form(having="partnership_fit")
    assert form.method == "post" and form.enctype == "multipart/form-data"
    assert form.fields == [("csrf_token", "tok&en"), ("partnership_fit", "Eerste regel <b>"),
                           ("answer_cc_1", ""), ("challenge_RU1", "y"), ("score", "3"),
                           ("bloc", "VDAB")]
    assert form.checkboxes == [("challenge_RU2", "y"), ("declaration_a", "on")]
    assert form.textareas == ["partnership_fit", "answer_cc_1"]
    assert form.files == ["bijlage"]
    assert form.buttons == [("action", "save"), ("action", "submit")]
    assert page.form(having="bijlage") is form
    assert page.form(action_contains="elders").value("q") == "x"
    with pytest.raises(LookupError):
        page.form(having="nowhere")


def test_form_data_overrides_ticks_and_presses_a_button():
    form = parse_page("http://h/k", 200, PAGE).form(having="partnership_fit")
    data = form.data({"answer_cc_1": "Antwoord", "extra": "1"}, tick_all=True,
                     button=("action", "submit"))
    assert data == [("csrf_token", "tok&en"), ("partnership_fit", "Eerste regel <b>"),
                    ("answer_cc_1", "Antwoord"), ("challenge_RU1", "y"), ("score", "3"),
                    ("bloc", "VDAB"), ("challenge_RU2", "y"), ("declaration_a", "on"),
                    ("extra", "1"), ("action", "submit")]
    assert ("challenge_RU2", "y") not in form.data()


def test_multipart_body_carries_fields_and_file():
    content_type, body = multipart([("csrf_token", "t"), ("action", "upload")],
                                   [("bijlage", "a.pdf", "application/pdf", b"%PDF-1.4\n")])
    boundary = content_type.split("boundary=", 1)[1]
    assert content_type.startswith("multipart/form-data; ")
    parts = body.split(f"--{boundary}".encode())
    assert parts[0] == b"" and parts[-1] == b"--\r\n"
    assert b'name="action"\r\n\r\nupload\r\n' in parts[2]
    assert b'name="bijlage"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n' \
           b"%PDF-1.4\n\r\n" in parts[3]


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile(values, 100) == 20.0
    assert percentile([4.0], 95) == 4.0
    assert math.isnan(percentile([], 50))


def test_summarise_per_action_counts_errors_and_milliseconds():
    records = [("save draft", s / 1000, True) for s in (30, 10, 20)]
    records += [("upload", 0.5, True), ("upload", 2.0, False)]
    out = summarise(records)
    assert out["save draft"] == {"count": 3, "errors": 0, "p50_ms": 20.0, "p95_ms": 30.0,
                                 "max_ms": 30.0}
    assert out["upload"]["errors"] == 1 and out["upload"]["p50_ms"] == 500.0


def _result(errors: int, peak: float) -> dict:
    return {"settings": {"scale": 1, "applicants": 2, "duration": 60, "think": 1.0},
            "server": {"workers": 5, "threads": 2, "worker_class": "gthread",
                       "ratelimit_storage": "redis"},
            "data": {"drafts": 1, "new_accounts": 1, "published_procedures": 3,
                     "matchmakers_used": 4},
            "actions": summarise([("upload", 0.2, errors == 0), ("custom", 0.1, True)]),
            "submitted": 2, "verify": {"checked_submissions": 2, "problem_count": 0,
                                       "problems": []},
            "errors": errors, "workers": {"1": {"VmHWM": peak}}, "worker_peak_mb": peak,
            "workers_restarted": 0, "failures": ["x: boom"] if errors else []}


def test_report_shows_every_action_the_errors_and_the_memory_verdict():
    good = "\n".join(report_lines(_result(0, 120.0)))
    assert "| upload | 1 | 0 | 200.0 | 200.0 | 200.0 |" in good
    assert "| custom | 1 | 0 |" in good  # an action outside the known list is shown too
    assert "Errors: **0**" in good and "highest 120.0 MB ✓" in good
    bad = "\n".join(report_lines(_result(1, 210.0)))
    assert "Errors: **1**" in bad and "highest 210.0 MB ✗" in bad and "- x: boom" in bad


def test_report_shows_the_hashing_process_and_all_the_server_processes():
    result = dict(_result(0, 120.0), hashing_process={"7": {"VmHWM": 45.0, "VmRSS": 12.0,
                                                            "Pss": 11.0}},
                  server_memory={"processes": 4, "peak_rss_sum_mb": 400.0,
                                 "peak_pss_sum_mb": 300.0, "end_rss_sum_mb": 390.0,
                                 "end_pss_sum_mb": 290.0})
    text = "\n".join(report_lines(result))
    assert "Password hashing process: peak 45.0 MB, at the end 12.0 MB (Pss 11.0 MB)" in text
    assert "All 4 server processes" in text and "400.0 MB resident, 300.0 MB" in text
    assert "none (hashed in the workers)" in "\n".join(report_lines(_result(0, 120.0)))


def test_a_failed_request_is_logged_once_and_a_failed_expectation_is_counted_apart():
    import socket

    from benchmarks.deadline import Scenario
    from benchmarks.webclient import Browser, Failed

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log: list = []
    browser = Browser("127.0.0.1", port, "10.0.0.1", log, timeout=2)
    with pytest.raises(OSError) as refused:
        browser.step("open form", "GET", "/kandidaturen/1")
    assert [(a, ok) for a, _, ok in log] == [("open form", False)]
    scenario = Scenario(port, 0.0, 0.0, 1)
    scenario.fail("a@x", refused.value)
    scenario.fail("b@x", Failed("candidacy 1: the uploaded attachment is not listed"))
    assert scenario.expectation_failures == 1 and len(scenario.failures) == 2


def test_the_deadline_is_within_the_hour_today_in_brussels_but_after_the_run():
    from datetime import UTC, datetime, timedelta

    from benchmarks.deadline import deadline_for

    afternoon = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 15:00 in Brussels
    assert deadline_for(afternoon, 300) == afternoon + timedelta(hours=1)
    late = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 23:30 in Brussels
    assert deadline_for(late, 300) == datetime(2026, 11, 30, 22, 59, tzinfo=UTC)
    later = datetime(2026, 11, 30, 22, 55, tzinfo=UTC)  # the run would outlive the day
    assert deadline_for(later, 300) == later + timedelta(seconds=900)
