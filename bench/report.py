"""The benchmark's report: the machine it ran on, the goals of issue 9 (met or not) and a markdown table."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Dict, List, Optional

import psutil

GOAL_THROUGHPUT_RATIO = 2.0
GOAL_P95_RATIO = 0.5
GOAL_P50_ONE_USER_MS = 60.0
GOAL_START_TO_READY_S = 30.0
GOAL_GATEWAY_RSS_MB = 200.0
GOAL_SEARCH_SNAPSHOT_P95_MS = 20.0
GOAL_SEARCH_SCALED_P95_MS = 100.0
GOAL_BENCH_WALL_S = 15 * 60
GOAL_SAFETY_P95_MS = 2.0
GOAL_EXTRACTION_P95_MS = 3.0  # issue 20: reading a trial search's details adds at most 3 ms p95 per message
GOAL_TRAINING_S = 180.0
GOAL_WORKER_RSS_MB = 600.0
GOAL_MODEL_LOAD_S = 10.0
GOAL_P50_ONE_USER_RATIO = 1.0


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} (Linux {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def machine() -> Dict[str, Any]:
    """What the benchmark ran on, and how busy the machine was when it started."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": _os_name(),
        "python": platform.python_version(),
        "rasa": _package("rasa"),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _level(results: Dict[str, Any], target: str, concurrency: int) -> Optional[Dict[str, Any]]:
    return results.get("targets", {}).get(target, {}).get("levels", {}).get(str(concurrency))


def comparison(results: Dict[str, Any]) -> Dict[str, Dict[str, Optional[float]]]:
    """trialbot ÷ plain Rasa per load level: throughput (higher is better), latencies (lower is better)."""
    ratios: Dict[str, Dict[str, Optional[float]]] = {}
    for level in results.get("settings", {}).get("levels", []):
        ours, theirs = _level(results, "trialbot", level), _level(results, "plain_rasa", level)
        if not ours or not theirs:
            continue
        ratios[str(level)] = {
            key: (round(ours[key] / theirs[key], 2) if ours.get(key) and theirs.get(key) else None)
            for key in ("throughput_per_s", "p50_ms", "p95_ms", "p99_ms")
        }
    return ratios


def _goal(name: str, target: str, value: Optional[str], met: Optional[bool]) -> Dict[str, Any]:
    return {"goal": name, "target": target, "measured": value if value is not None else "not measured", "met": met}


def goals(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Each goal of issue 9 with what was measured and whether it is met (None: not measured)."""
    rows = []
    ours10, theirs10 = _level(results, "trialbot", 10), _level(results, "plain_rasa", 10)
    ratio = results.get("comparison", {}).get("10", {})
    value = met = None
    if ratio.get("throughput_per_s") is not None:
        value = (
            f"{ratio['throughput_per_s']}× ({ours10['throughput_per_s']} vs "  # type: ignore[index]
            f"{theirs10['throughput_per_s']} msg/s)"
        )  # type: ignore[index]
        met = ratio["throughput_per_s"] >= GOAL_THROUGHPUT_RATIO
    rows.append(_goal("Throughput at 10 conversations", f"≥ {GOAL_THROUGHPUT_RATIO:g}× plain Rasa", value, met))
    value = met = None
    if ratio.get("p95_ms") is not None:
        value = f"{ratio['p95_ms']}× ({ours10['p95_ms']} vs {theirs10['p95_ms']} ms)"  # type: ignore[index]
        met = ratio["p95_ms"] <= GOAL_P95_RATIO
    rows.append(_goal("p95 latency at 10 conversations", f"≤ {GOAL_P95_RATIO:g}× plain Rasa", value, met))
    one = _level(results, "trialbot", 1)
    value = met = None
    if one and one.get("p50_ms") is not None:
        value, met = f"{one['p50_ms']} ms", one["p50_ms"] <= GOAL_P50_ONE_USER_MS
    rows.append(_goal("p50 latency, one conversation", f"≤ {GOAL_P50_ONE_USER_MS:g} ms", value, met))
    trialbot = results.get("targets", {}).get("trialbot", {})
    start = trialbot.get("start_to_ready_s")
    rows.append(
        _goal(
            "Start to ready (trained model)",
            f"≤ {GOAL_START_TO_READY_S:g} s",
            f"{start} s" if start is not None else None,
            start <= GOAL_START_TO_READY_S if start is not None else None,
        )
    )
    gateway = trialbot.get("gateway_rss_mb")
    rows.append(
        _goal(
            "Gateway memory (no model)",
            f"≤ {GOAL_GATEWAY_RSS_MB:g} MB RSS",
            f"{gateway} MB" if gateway is not None else None,
            gateway <= GOAL_GATEWAY_RSS_MB if gateway is not None else None,
        )
    )
    ledger, probes = trialbot.get("ledger"), trialbot.get("duplicate_probes")
    value = met = None
    if ledger:
        value = f"{ledger['lost']} lost, {ledger['duplicated']} answered twice of {ledger['sent']}"
        met = ledger["lost"] == 0 and ledger["duplicated"] == 0
        if probes:
            value += f"; repeated deliveries answered once: {probes['consistent']}/{probes['ids']}"
            met = met and probes["consistent"] == probes["ids"]
    rows.append(_goal("Messages lost / answered twice", "0 / 0", value, met))
    search = results.get("trial_search") or {}
    scaled = (search.get("scaled") or {}).get("trials", 100_000)
    for key, label, limit in (
        ("snapshot", "Trial search p95, snapshot", GOAL_SEARCH_SNAPSHOT_P95_MS),
        ("scaled", f"Trial search p95, {scaled:,} trials", GOAL_SEARCH_SCALED_P95_MS),
    ):
        p95 = (search.get(key) or {}).get("p95_ms")
        rows.append(
            _goal(
                label,
                f"≤ {limit:g} ms",
                f"{p95} ms" if p95 is not None else None,
                p95 <= limit if p95 is not None else None,
            )
        )
    rows += _model_goals(results)
    screen = results.get("safety_screen") or {}
    p95 = screen.get("p95_ms")
    rows.append(
        _goal(
            "Safety stage p95 per message",
            f"≤ {GOAL_SAFETY_P95_MS:g} ms",
            f"{p95} ms (loaded in {screen.get('load_s')} s)" if p95 is not None else None,
            p95 <= GOAL_SAFETY_P95_MS if p95 is not None else None,
        )
    )
    extraction = (results.get("search_extraction") or {}).get("both") or {}
    p95 = extraction.get("p95_ms")
    rows.append(
        _goal(
            "Trial-search detail reading p95 per message",
            f"≤ {GOAL_EXTRACTION_P95_MS:g} ms",
            f"{p95} ms" if p95 is not None else None,
            p95 <= GOAL_EXTRACTION_P95_MS if p95 is not None else None,
        )
    )
    wall = results.get("bench_wall_s")
    rows.append(
        _goal(
            "`make bench` wall time",
            "< 15 min",
            f"{wall / 60:.1f} min" if wall else None,
            wall < GOAL_BENCH_WALL_S if wall else None,
        )
    )
    return rows


def _model_goals(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Issue 21's goals: a model cheap to train and serve, and one conversation not slower than plain Rasa."""
    rows = []
    ours1, theirs1 = _level(results, "trialbot", 1), _level(results, "plain_rasa", 1)
    value = met = None
    if ours1 and theirs1 and ours1.get("p50_ms") is not None and theirs1.get("p50_ms"):
        ratio = round(ours1["p50_ms"] / theirs1["p50_ms"], 2)
        value, met = f"{ratio}× ({ours1['p50_ms']} vs {theirs1['p50_ms']} ms)", ratio <= GOAL_P50_ONE_USER_RATIO
    rows.append(_goal("p50 at one conversation", f"≤ {GOAL_P50_ONE_USER_RATIO:g}× plain Rasa", value, met))
    seconds = (results.get("training") or {}).get("seconds")
    rows.append(
        _goal(
            "Full training (`rasa train`)",
            f"≤ {GOAL_TRAINING_S / 60:g} min",
            f"{seconds:g} s" if seconds is not None else None,
            seconds <= GOAL_TRAINING_S if seconds is not None else None,
        )
    )
    memory = (results.get("targets", {}).get("trialbot") or {}).get("memory") or []
    workers = [r["rss_mb"] for r in memory if str(r.get("role", "")).startswith("rasa worker")]
    rows.append(
        _goal(
            "RSS per Rasa worker",
            f"≤ {GOAL_WORKER_RSS_MB:g} MB",
            f"{max(workers):g} MB (largest of {len(workers)})" if workers else None,
            max(workers) <= GOAL_WORKER_RSS_MB if workers else None,
        )
    )
    workers_loaded = (results.get("targets", {}).get("trialbot") or {}).get("workers") or []
    loads = [w["load_seconds"] for w in workers_loaded]
    rows.append(
        _goal(
            "Model load (per Rasa worker)",
            f"≤ {GOAL_MODEL_LOAD_S:g} s",
            f"{max(loads):g} s (slowest of {len(loads)})" if loads else None,
            max(loads) <= GOAL_MODEL_LOAD_S if loads else None,
        )
    )
    return rows


def _mark(met: Optional[bool]) -> str:
    return "✓" if met else "–" if met is None else "✗"


def _ms(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:g} ms"


def _ratio(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:g}×"


def _memory(rows: List[Dict[str, Any]]) -> str:
    return "; ".join(f"{r['role']} {r['rss_mb']:g} MB" for r in rows) or "–"


def markdown(results: Dict[str, Any]) -> str:
    """The report as markdown: machine, goals, latency and throughput, start and memory, messages, search."""
    m, s = results["machine"], results["settings"]
    targets = results.get("targets", {})
    names = {"trialbot": "trialbot", "plain_rasa": "plain Rasa"}
    out = [
        f"Run {results['started_at']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, "
        f"Python {m['python']} (Rasa {m['rasa']}, SQLite {m['sqlite']}); load average at start "
        f"{' / '.join(str(x) for x in m['load_average_at_start'])}. {s['seconds']:g} s per load level, "
        f"{s['workers']} Rasa workers for trialbot; `make bench` took {results.get('bench_wall_s', 0) / 60:.1f} min.",
        "",
    ]
    if m["load_average_at_start"][0] > 0.5 * (m["cores"] or 1):
        out += ["**The machine was busy when the run started: these figures are not representative.**", ""]
    out += ["| Goal | Target | Measured | Met |", "| --- | --- | --- | --- |"]
    out += [f"| {g['goal']} | {g['target']} | {g['measured']} | {_mark(g['met'])} |" for g in results["goals"]]
    out += [
        "",
        "| Conversations | Target | p50 | p95 | p99 | Answered/s | Sent | Answered | Not answered |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for level in s["levels"]:
        for key, name in names.items():
            row = _level(results, key, level)
            if row:
                unanswered = row["errors"] + row["failed"] + row["empty"]
                out.append(
                    f"| {level} | {name} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | "
                    f"{_ms(row['p99_ms'])} | {row['throughput_per_s']} | {row['sent']} | "
                    f"{row['answered']} | {unanswered} |"
                )
        ratio = results.get("comparison", {}).get(str(level))
        if ratio:
            out.append(
                f"| {level} | trialbot ÷ Rasa | {_ratio(ratio['p50_ms'])} | {_ratio(ratio['p95_ms'])} | "
                f"{_ratio(ratio['p99_ms'])} | {_ratio(ratio['throughput_per_s'])} | | | |"
            )
    kinds = list((_level(results, "trialbot", 1) or {}).get("by_kind", {}))
    header = " | ".join(names[k] for k in names if k in targets)
    separator = "| --- |" + " --- |" * sum(k in targets for k in names)
    if kinds:
        out += ["", f"| One conversation, p50 by message | {header} |", separator]
        for kind in kinds:
            cells = [
                _ms(((_level(results, k, 1) or {}).get("by_kind", {}).get(kind) or {}).get("p50_ms"))
                for k in names
                if k in targets
            ]
            out.append(f"| {kind} | " + " | ".join(cells) + " |")
    out += ["", f"| Start and memory | {header} |", separator]

    def row(label: str, cell) -> None:  # type: ignore[no-untyped-def]
        out.append(f"| {label} | " + " | ".join(cell(targets[k]) for k in names if k in targets) + " |")

    row("Start to ready", lambda t: f"{t.get('start_to_ready_s')} s")
    row("All workers loaded", lambda t: f"{t['all_workers_ready_s']} s" if t.get("all_workers_ready_s") else "–")
    row(
        "Model load per worker",
        lambda t: ", ".join(f"{w.get('load_seconds')} s" for w in t.get("workers", [])) or "(inside start to ready)",
    )
    row("RSS after load", lambda t: _memory(t.get("memory", [])))
    row("Total RSS", lambda t: f"{t.get('total_rss_mb')} MB")
    ledger, probes = targets.get("trialbot", {}).get("ledger"), targets.get("trialbot", {}).get("duplicate_probes")
    if ledger:
        out += [
            "",
            "| Messages (trialbot, every load level) | Sent | Stored | Answered | Lost | Answered twice |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| unique message ids | {ledger['sent']} | {ledger['stored']} | {ledger['answered']} | "
            f"{ledger['lost']} | {ledger['duplicated']} |",
        ]
        if probes:
            out.append(
                f"| repeated deliveries (2 at once + 1 later) | {probes['ids']} | | "
                f"{probes['consistent']} answered once | | |"
            )
    webchat = targets.get("trialbot", {}).get("webchat")
    if webchat:
        load, audited = webchat["load"], webchat["ledger"]
        out += [
            "",
            f"Web chat (WebSockets, {load['concurrency']} conversations for {load['elapsed_s']} s): "
            f"{audited['sent']} messages sent, {audited['stored']} stored, {audited['answered']} answered, "
            f"{audited['lost']} lost, {audited['duplicated']} answered twice; p50 {_ms(load['p50_ms'])}, "
            f"p95 {_ms(load['p95_ms'])}, {load['throughput_per_s']} messages/s.",
        ]
    search = results.get("trial_search")
    if search:
        out += ["", "| Trial search | p50 | p95 |", "| --- | --- | --- |"]
        if search.get("snapshot"):
            out.append(
                f"| Snapshot (489 trials) | {_ms(search['snapshot']['p50_ms'])} | "
                f"{_ms(search['snapshot']['p95_ms'])} |"
            )
        if search.get("scaled"):
            out.append(
                f"| Generated {search['scaled']['trials']:,} trials ({search['scaled']['sites']:,} sites) | "
                f"{_ms(search['scaled']['p50_ms'])} | {_ms(search['scaled']['p95_ms'])} |"
            )
    screen = results.get("safety_screen")
    if screen:
        out += [
            "",
            f"Safety stage (word lists + classifier, {screen['messages']:,} messages one at a time): "
            f"p50 {_ms(screen['p50_ms'])}, p95 {_ms(screen['p95_ms'])}, max {_ms(screen['max_ms'])}; "
            f"loaded in {screen['load_s']} s.",
        ]
    extraction = results.get("search_extraction")
    if extraction:
        out += [
            "",
            f"Trial-search detail reading ({extraction['messages']:,} messages one at a time): Rasa worker p95 "
            f"{_ms(extraction['worker']['p95_ms'])}, action server p95 {_ms(extraction['action_server']['p95_ms'])}, "
            f"both p95 {_ms(extraction['both']['p95_ms'])}; gazetteer loaded in {extraction['gazetteer_load_s']} s.",
        ]
    training = results.get("training") or {}
    out += ["", f"Model training (last `make train`): {training.get('text', 'unknown')}."]
    return "\n".join(out) + "\n"
