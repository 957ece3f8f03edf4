"""The Markdown report of ``make bench``: the raw figures (a dict, as saved in
``bench-results/bench-<time>.json``) turned into text: the tables per page, the figures
measured in process, the SQL statements at 5 and at 200 rows, the growth from 1× to 10× the
data, where the time goes, and the targets checked.

Used by :mod:`benchmarks.bench`, which measures; ``--report FILE`` reprints a saved
run.
"""

from __future__ import annotations

from benchmarks import serving

# The targets of issue 17 ("Pages at the speed of their data").
MIN_RATIO = 0.05  # a database-backed page: at least 1/20 of the bare route's throughput


MIN_RATIO_LAYOUT = 0.5  # the signed-in layout alone: at least half of the bare route's


MIN_RATIO_304 = 1.0  # a public page revalidated (304) costs no more than the bare route


def min_ratio(key: str) -> float:
    """The throughput, as a share of ``/ping``'s, page ``key`` must reach."""
    if key == "layout":
        return MIN_RATIO_LAYOUT
    return MIN_RATIO_304 if key.endswith("_304") else MIN_RATIO


MAX_P95_HALF_MS = 50.0  # p95 at half of peak load


MAX_WORKER_MB = 150.0  # peak resident memory of a worker


REFERENCE_PAGES = {"ping"}  # the ceiling every ratio is measured against


FOREIGN_WARN = 10.0  # % of the machine's CPU used by others: the figure is disturbed


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def foreign_txt(*measurements) -> str:
    shares = [m["foreign_cpu_pct"] for m in measurements if m and "foreign_cpu_pct" in m]
    if not shares:
        return "–"
    worst = max(shares)
    return f"{worst:.0f}" + (" ⚠" if worst > FOREIGN_WARN else "")


def ip_txt(ip: dict) -> str:
    if "median_ms" not in ip:
        return "–"
    return f"{fmt(ip['median_ms'])} ({fmt(ip.get('cpu_ms'))})"


def page_table(run: dict) -> list[str]:
    totals = run["targets"]["totals"]
    lines = [f"#### {run['backend']}, {run['data']} – {run['dataset']} data set: "
             f"{totals['work_areas']} work areas, {totals['candidacies']} candidacies",
             "",
             "| page | rows | req/s | × /ping | p50 ms | p95 ms | p95 ms at ½ peak (rate) "
             "| in-process ms (CPU) | SQL | ratio met | p95½ < 50 | other load % |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|---:|"]
    for page in run["targets"]["pages"]:
        key = page["key"]
        http = run.get("http", {}).get(key, {})
        peak, half = http.get("peak"), http.get("half")
        ip = run["inprocess"].get(key, {})
        stm = run["statements"].get(key, {})
        if peak is None:
            reason = http.get("skipped") or (f"status {stm.get('status')}"
                                             if stm.get("status") != stm.get("expected", 200)
                                             else "not loaded")
            lines.append(f"| {page['label']} | {fmt(page['rows'])} | {reason} | | | | | "
                         f"{ip_txt(ip)} | {stm.get('statements', '–')} | | | |")
            continue
        ratio = http.get("ratio_to_ping")
        db_page = key not in REFERENCE_PAGES
        if not peak["requests"]:
            lines.append(f"| {page['label']} | {fmt(page['rows'])} | no answer within "
                         f"{fmt(peak['seconds'], 0)} s | 0 | | | | {ip_txt(ip)} "
                         f"| {stm.get('statements', '–')} | ✗ | – | {foreign_txt(peak)} |")
            continue
        half_txt = (f"{fmt(half['p95_ms'])} ({fmt(half['rps'], 0)}/s)" if half
                    else "too slow to halve" if http.get("half_skipped") else "–")
        lines.append(
            f"| {page['label']} | {fmt(page['rows'])} | {fmt(peak['rps'], 0)} | {fmt(ratio, 2)} "
            f"| {fmt(peak['p50_ms'])} | {fmt(peak['p95_ms'])} | {half_txt} "
            f"| {ip_txt(ip)} | {stm.get('statements', '–')} "
            f"| {mark(ratio >= min_ratio(key) if db_page and ratio is not None else None)} "
            f"| {mark(half['p95_ms'] < MAX_P95_HALF_MS if half else None)} "
            f"| {foreign_txt(peak, half)} |")
    if "inprocess_foreign_cpu_pct" in run:
        lines += ["", f"Other processes used {run['inprocess_foreign_cpu_pct']:.0f}% of the "
                      "machine during the in-process measurements."]
    mem = run.get("worker_memory", {})
    if mem:
        steps = ", ".join(f"{k} {fmt(v['worker_vmhwm_mb'])}" for k, v in run.get("http", {}).items()
                          if v.get("worker_vmhwm_mb"))
        lines += ["", f"Worker peak memory (VmHWM): {fmt(mem.get('VmHWM'))} MB, now (VmRSS) "
                      f"{fmt(mem.get('VmRSS'))} MB {mark(mem.get('VmHWM', 0) < MAX_WORKER_MB)} "
                      f"(target < {MAX_WORKER_MB:.0f} MB)"
                      + (f"; VmHWM after each page's peak run, in MB: {steps}." if steps else ".")]
    errors = [f"{k}: {v['peak']['non_2xx_3xx']} non-2xx/3xx" for k, v in run.get("http", {}).items()
              if "peak" in v and v["peak"].get("non_2xx_3xx")]
    if errors:
        lines += ["", "**Errors under load:** " + ", ".join(errors)]
    return lines


def direct_table(runs: list[dict], letters_result: dict | None) -> list[str]:
    columns: dict[tuple, dict] = {}
    for r in runs:  # one column per backend and scale, the data sets merged
        col = columns.setdefault((r["backend"], r["data"]), {"backend": r["backend"],
                                                             "data": r["data"], "direct": {}})
        col["direct"].update(r.get("direct", {}))
    runs = list(columns.values())
    lines = ["| figure | " + " | ".join(f"{r['backend']} {r['data']}" for r in runs) + " |",
             "|---|" + "---:|" * len(runs)]

    def cell(run, key):
        d = run["direct"].get(key, {})
        if "median_ms" in d:
            extra = []
            if "statements" in d:
                extra.append(f"{d['statements']} SQL")
            if "lines" in d:
                extra.append(f"{d['lines']} lines")
            if "events" in d:
                extra.append(f"{d['events']} events")
            if "peak_mb" in d:
                extra.append(f"peak {d['peak_mb']} MB streamed, {d['one_piece_peak_mb']} MB "
                             "in one piece")
            if "with_conditions_ms" in d:
                extra.append(f"with the six conditions {fmt(d['with_conditions_ms'])} ms")
            return (f"{fmt(d['median_ms'])} ms (CPU {fmt(d.get('cpu_ms'))})"
                    + (f", {', '.join(extra)}" if extra else ""))
        return d.get("skipped", d.get("error", "–"))[:60]

    for key, label in (("final_report", "final report of a 200-candidacy procedure"),
                       ("conditions_all_areas", "six conditions of every work area"),
                       ("export_csv_all", "export of everything (/observatie/export.csv)"),
                       ("audit_verify", "audit trail walked afresh (`flask audit verify`, "
                                        "nightly)"),
                       ("audit_ratification", "audit trail at ratification (from the latest "
                                              "checkpoint)")):
        lines.append(f"| {label} | " + " | ".join(cell(r, key) for r in runs) + " |")
    if letters_result:
        lines += ["", f"Decision letter: recorded in the decision (HTML + text) "
                      f"{letters_result['recorded_median_ms']} ms; made by the mail worker "
                      f"(PDF {letters_result['pdf_median_ms']} ms, with its seal "
                      f"{letters_result['pdf_and_seal_median_ms']} ms; a one-paragraph "
                      f"Platypus PDF: {letters_result['baseline_pdf_median_ms']} ms); a batch of "
                      f"{letters_result['batch_size']}: {letters_result['batch_seconds']} s, "
                      f"{letters_result['letters_per_second_one_core']} letters/s on one core."]
    return lines


def closing_lines(closing: dict) -> list[str]:
    """Closing a round of 200 candidacies: the coordinator's request against /ping."""
    if not closing:
        return []
    lines = ["| closing round 1 of 200 candidacies (200 letters) | median ms | CPU ms | SQL | "
             "× /ping (ms) |", "|---|---:|---:|---:|---:|"]
    for backend, c in closing.items():
        if "error" in c:
            lines.append(f"| {backend} | {c['error'][:60]} | | | |")
            continue
        lines.append(f"| {backend} | {c['median_ms']} | {c['cpu_ms']} | {c['statements']} | "
                     f"{c['ratio_to_ping']} ({c['ping_median_ms']}) |")
    return lines + [""]


def rows_table(rows: dict) -> list[str]:
    lines = []
    for backend, r in rows.items():
        lines += [f"#### {backend}", "",
                  "| page | rows (small) | SQL | rows (large) | SQL | large data set | equal |",
                  "|---|---:|---:|---:|---:|---|:-:|"]
        for key, s in r["small"]["counts"].items():
            big = r["large"].get(key, {})
            status = "" if s["status"] == 200 else f" (HTTP {s['status']})"
            big_status = "" if big.get("status") == 200 else f" (HTTP {big.get('status')})"
            lines.append(f"| {key} | {fmt(s['rows'])} ({s['rows_what'] or '–'}) "
                         f"| {s['statements']}{status} | {fmt(big.get('rows'))} "
                         f"| {big.get('statements')}{big_status} | {big.get('dataset', '–')} "
                         f"| {mark(s['statements'] == big.get('statements'))} |")
        lines.append("")
    sets = next(iter(rows.values()))["sets"]
    lines += ["Data sets: " + "; ".join(f"{n}: {v['spec']}, {v['totals']}"
                                         for n, v in sets.items()), ""]
    return lines


def growth_table(runs: list[dict]) -> list[str]:
    by = {(r["backend"], r["dataset"], r["data"]): r for r in runs}
    lines = ["| backend | what | 1× | 10× | 10× / 1× |", "|---|---|---:|---:|---:|"]
    for backend, dataset in sorted({(r["backend"], r["dataset"]) for r in runs}):
        one, ten = by.get((backend, dataset, "1x")), by.get((backend, dataset, "10x"))
        if not (one and ten):
            continue
        for page in one["targets"]["pages"]:
            key = page["key"]
            a = one["inprocess"].get(key, {}).get("median_ms")
            b = ten["inprocess"].get(key, {}).get("median_ms")
            if a and b:
                lines.append(f"| {backend} | {page['label']}: in-process ms | {fmt(a)} | {fmt(b)} "
                             f"| {fmt(b / a, 2)} |")
            pa = one.get("http", {}).get(key, {}).get("peak")
            pb = ten.get("http", {}).get(key, {}).get("peak")
            if pa and pb:
                lines.append(f"| {backend} | {page['label']}: req/s | {fmt(pa['rps'], 0)} "
                             f"| {fmt(pb['rps'], 0)} | {fmt(pb['rps'] / pa['rps'], 2)} |")
        for key in ("final_report", "conditions_all_areas", "export_csv_all", "audit_verify",
                    "audit_ratification"):
            a = one["direct"].get(key, {}).get("median_ms")
            b = ten["direct"].get(key, {}).get("median_ms")
            if a and b:
                lines.append(f"| {backend} | {key} ms | {fmt(a)} | {fmt(b)} | {fmt(b / a, 2)} |")
        a = one["direct"].get("export_csv_all", {}).get("peak_mb")
        b = ten["direct"].get("export_csv_all", {}).get("peak_mb")
        if a and b:
            lines.append(f"| {backend} | export peak MB (streamed) | {fmt(a)} | {fmt(b)} "
                         f"| {fmt(b / a, 2)} |")
        ma = one.get("worker_memory", {}).get("VmHWM")
        mb = ten.get("worker_memory", {}).get("VmHWM")
        if ma and mb:
            lines.append(f"| {backend} | worker VmHWM MB | {fmt(ma)} | {fmt(mb)} "
                         f"| {fmt(mb / ma, 2)} |")
        ca, cb = one["targets"]["totals"]["candidacies"], ten["targets"]["totals"]["candidacies"]
        lines.append(f"| {backend} | candidacies in the {dataset} data set | {ca} | {cb} "
                     f"| {fmt(cb / ca, 2)} |")
    return lines


def profile_lines(runs: list[dict]) -> list[str]:
    lines = []
    for run in runs:
        for key, prof in run.get("profiles", {}).items():
            if "by_library" not in prof:
                continue
            libs = ", ".join(f"{k} {v}%" for k, v in list(prof["by_library"].items())[:4])
            frames = "; ".join(f"`{f['frame']}` {f['share']}%"
                               for f in prof["by_project_frame"][:4])
            lines.append(f"- **{run['backend']} {run['data']} {run['dataset']}, {key}**: {libs}. "
                         f"Under: {frames}.")
    return lines


def verdicts(runs: list[dict], rows: dict) -> list[str]:
    lines = []
    for run in runs:
        name = f"{run['backend']} {run['data']} {run['dataset']}"
        for key, result in run.get("http", {}).items():
            if key in REFERENCE_PAGES or "peak" not in result:
                continue
            ratio = result.get("ratio_to_ping")
            if ratio is not None and ratio < min_ratio(key):
                lines.append(f"- ✗ {name}: `{key}` reaches {ratio:.2f} of /ping "
                             f"(target ≥ {min_ratio(key):.2f})")
            half = result.get("half")
            expected = str(run.get("statements", {}).get(key, {}).get("expected", 200))
            other = {k: v for k, v in (half or {}).get("statuses", {}).items() if k != expected}
            if other:
                lines.append(f"- ✗ {name}: `{key}` at half load answered {other} besides "
                             f"{expected}: its figures are not the page's")
            if half and half["p95_ms"] >= MAX_P95_HALF_MS:
                lines.append(f"- ✗ {name}: `{key}` p95 at half load {half['p95_ms']} ms "
                             f"(target < {MAX_P95_HALF_MS:.0f} ms)")
        mem = run.get("worker_memory", {}).get("VmHWM")
        if mem and mem >= MAX_WORKER_MB:
            lines.append(f"- ✗ {name}: worker peak memory {mem} MB (target < {MAX_WORKER_MB:.0f})")
        for key, result in run.get("http", {}).items():
            if "skipped" in result:
                bad = "too slow" in result["skipped"]
                lines.append(f"- {'✗' if bad else '–'} {name}: `{key}` not loaded: "
                             f"{result['skipped']}")
    for backend, r in rows.items():
        for key, s in r["small"]["counts"].items():
            big = r["large"].get(key, {})
            if s["statements"] != big.get("statements"):
                lines.append(f"- ✗ {backend}: `{key}` issues {s['statements']} statements on the "
                             f"small data set and {big.get('statements')} on the large one")
    return lines or ["- every target met"]


def report(results: dict) -> str:
    m = results["machine"]
    s = results["settings"]
    lines = ["## make bench", "",
             f"Machine: {m['cpu_model']}, {m['nproc']} cores, {m['memory_gb']} GB, Python "
             f"{m['python']}, " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
             + (f", PostgreSQL {results.get('postgres_version')}" if results.get("postgres_version")
                else "") + ".",
             f"Server: gunicorn (gunicorn.conf.py), 1 worker × {s['threads']} threads (gthread, "
             f"GC threshold {s.get('gc_threshold', ['?'])[0]}; the in-process figures use the "
             f"same), "
             f"pinned to core {serving.SERVER_CPU}; load: {s['load_tool']} on core "
             f"{serving.CLIENT_CPU}, {s['connections']} connections, {s['duration']} s a page "
             f"(after {s['warmup']} s warm-up); half load: Python open-loop client at half of "
             f"each page's peak for {s['half_duration']} s. \"Other load\": CPU time of "
             f"processes that are not the benchmark's, as a share of both cores, during the run "
             f"(⚠ above {FOREIGN_WARN:.0f}%: the figure is disturbed).", ""]
    for note in results.get("notes", []):
        lines.append(f"> {note}")
    if results.get("notes"):
        lines.append("")
    lines += ["### Pages under load", ""]
    for run in results["runs"]:
        if "http" in run:
            lines += page_table(run) + [""]
    if results.get("floor"):
        from benchmarks.floor import report_lines as floor_lines
        lines += ["### The floor of a signed-in request", "",
                  "Each probe adds one layer to the one above it (`benchmarks/floor.py`), served "
                  "and loaded as the pages are, signed in as the 1× data's observer. Every "
                  "signed-in page checks its session in the database, so the third row is "
                  "below what any signed-in page can reach in this stack.", ""]
        lines += floor_lines(results["floor"]) + [""]
    lines += ["### In process", ""] + direct_table(results["runs"], results.get("letters")) + [""]
    lines += closing_lines(results.get("closing", {}))
    if results.get("deadline"):
        # imported here: benchmarks.deadline imports benchmarks.machine, which imports this
        from benchmarks.deadline import report_lines as deadline_lines
        for run in results["deadline"]:
            lines += deadline_lines(run) + [""]
    if results.get("rows"):
        lines += ["### SQL statements at 5 and at 200 rows", ""] + rows_table(results["rows"])
    if any(r["data"] == "10x" for r in results["runs"]):
        lines += ["### Growth: 1× → 10× the data", ""] + growth_table(results["runs"]) + [""]
    lines += ["### Where the time goes (in-process profile, share of samples)", ""]
    lines += profile_lines(results["runs"]) + [""]
    targets = verdicts(results["runs"], results.get("rows", {}))
    for run in results.get("deadline", []):
        name = f"deadline day {run['settings']['scale']}x"
        missed = []
        if run.get("errors"):
            missed.append(f"- ✗ {name}: {run['errors']} errors (target 0)")
        peak = run.get("worker_peak_mb")
        if peak and peak >= MAX_WORKER_MB:
            missed.append(f"- ✗ {name}: worker peak memory {peak} MB (target < "
                          f"{MAX_WORKER_MB:.0f})")
        if missed:
            targets = [t for t in targets if t != "- every target met"] + missed
    lines += ["### Targets", ""] + targets + [""]
    lines += [f"Raw figures: `{results['json_path']}`."]
    return "\n".join(lines)
