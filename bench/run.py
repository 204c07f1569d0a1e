"""`make bench`: trialbot against plain Rasa on the same model and machine, one after the other.

For each target: start it (timed to ready), warm it up, run every load level over the REST webhook,
read the RSS of each of its processes, stop it. For trialbot also: repeated deliveries of the same
message id, then every message sent checked against its database (lost, answered twice). Then the
trial search benchmark (bench/trials_search.py), the safety stage's latency (bench/safety_screen.py)
and the last training time. Writes
bench/results.json and bench/results.md and prints the table.

Settings come from arguments or the environment: BENCH_SECONDS (per level), BENCH_LEVELS (e.g.
"1,10,50"), BENCH_MAX_MESSAGES (per level), BENCH_TARGETS ("trialbot,plain_rasa"), BENCH_WORKERS
(trialbot's Rasa workers, default: the number of cores), BENCH_TRIALS (generated trials for the
search benchmark; 0 skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench import ledger, report
from bench.load import SCRIPT, LoadSpec, Sample, duplicate_deliveries, run_load
from bench.targets import Stack, StartError, start_plain_rasa, start_trialbot
from bench.webchat_load import run_webchat_load
from bot.core.training import is_current, read_record
from bot.router import TROUBLE_REPLY
from bot.store.db import PROJECT_ROOT, migrate
from bot.trials.cli import load_snapshot

TARGETS = ("trialbot", "plain_rasa")
DUPLICATE_PROBES = 6
WEBCHAT_CONVERSATIONS = 10
"""Concurrent web chat conversations (WebSockets) after the REST levels, for the same ledger check."""


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """Arguments, with defaults from BENCH_* variables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS") or 25),
        help="duration of each load level (default 25)",
    )
    parser.add_argument(
        "--levels",
        default=os.environ.get("BENCH_LEVELS") or "1,10,50",
        help="concurrent conversations per level, comma-separated (default 1,10,50)",
    )
    parser.add_argument(
        "--max-messages",
        type=int,
        default=_env_int("BENCH_MAX_MESSAGES", 10_000),
        help="most messages sent per level (default 10000)",
    )
    parser.add_argument("--targets", default=os.environ.get("BENCH_TARGETS") or ",".join(TARGETS))
    parser.add_argument("--workers", type=int, default=_env_int("BENCH_WORKERS", os.cpu_count() or 1))
    parser.add_argument(
        "--trials",
        type=int,
        default=_env_int("BENCH_TRIALS", 100_000),
        help="generated trials for the search benchmark; 0 skips it",
    )
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "trialbot.tar.gz")
    parser.add_argument("--output-dir", type=Path, default=PROJECT_ROOT / "bench")
    args = parser.parse_args(argv)
    args.levels = [int(x) for x in str(args.levels).split(",") if x.strip()]
    args.targets = [t.strip().replace(" ", "_").replace("-", "_") for t in str(args.targets).split(",") if t.strip()]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {', '.join(TARGETS)}")
    return args


def prepare_database(path: Path) -> float:
    """A migrated database with the bundled trials, as `make run` leaves it after a first start; seconds."""
    started = time.monotonic()
    url = f"sqlite:///{path}"
    migrate(url)
    load_snapshot(url)
    return round(time.monotonic() - started, 1)


async def _levels(stack: Stack, args: argparse.Namespace, failure_texts: frozenset) -> tuple:
    """Warm-up, then each load level; (summaries by level, warm-up summary, every sample)."""
    samples: List[Sample] = []
    warm = LoadSpec(
        stack.webhook_url,
        2,
        60,
        2 * len(SCRIPT),
        request_timeout=args.request_timeout,
        run_id=f"{stack.name.replace(' ', '')}-warm",
        failure_texts=failure_texts,
    )
    warmed = await run_load(warm)
    samples += warmed.samples
    _say(f"  warm-up: {warmed.summary()['answered']}/{len(warmed.samples)} answered in {warmed.elapsed:.1f} s")
    levels: Dict[str, Any] = {}
    for level in args.levels:
        spec = LoadSpec(
            stack.webhook_url,
            level,
            args.seconds,
            args.max_messages,
            request_timeout=args.request_timeout,
            run_id=f"{stack.name.replace(' ', '')}-l{level}",
            failure_texts=failure_texts,
        )
        result = await run_load(spec)
        samples += result.samples
        summary = result.summary()
        levels[str(level)] = summary
        _say(
            f"  {level:>3} conversations: {summary['answered']}/{summary['sent']} answered, "
            f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms, "
            f"{summary['throughput_per_s']} answered/s, {summary['errors']} errors, {summary['failed']} failed"
        )
        await asyncio.sleep(1)
    return levels, warmed.summary(), samples


def bench_target(name: str, args: argparse.Namespace, workdir: Path, template_db: Path) -> Dict[str, Any]:
    """Start one target, load it, measure it, stop it."""
    database = workdir / f"{name}.db"
    shutil.copyfile(template_db, database)
    url = f"sqlite:///{database}"
    log = workdir / f"{name}.log"
    _say(f"Starting {name}…")
    if name == "trialbot":
        stack = start_trialbot(args.model, url, args.workers, log)
    else:
        stack = start_plain_rasa(args.model, url, workdir / "rasa-tracker.db", workdir, log)
    figures: Dict[str, Any] = {"start_to_ready_s": stack.ready_seconds, "log": str(log)}
    if name == "trialbot":
        figures["workers"] = stack.details.get("workers", [])
        figures["all_workers_ready_s"] = stack.details.get("all_workers_ready_seconds")
    _say(f"  ready in {stack.ready_seconds} s")
    failure_texts = frozenset({TROUBLE_REPLY.text}) if name == "trialbot" else frozenset()
    samples: List[Sample] = []
    try:
        figures["levels"], figures["warm_up"], samples = asyncio.run(_levels(stack, args, failure_texts))
        if name == "trialbot":
            probes = asyncio.run(duplicate_deliveries(stack.webhook_url, DUPLICATE_PROBES, "trialbot-dup"))
            samples += probes
            figures["duplicate_probes"] = ledger.duplicate_probes(probes)
            web = LoadSpec(
                stack.base_url,
                WEBCHAT_CONVERSATIONS,
                args.seconds,
                args.max_messages,
                request_timeout=args.request_timeout,
                failure_texts=failure_texts,
            )
            webchat = asyncio.run(run_webchat_load(web))
            figures["webchat"] = {"load": webchat.summary(), "samples": webchat.samples}
            _say(
                f"  web chat, {WEBCHAT_CONVERSATIONS} conversations: {webchat.summary()['answered']}/"
                f"{len(webchat.samples)} answered, p95 {webchat.summary()['p95_ms']} ms"
            )
        memory = stack.memory()
        figures["memory"] = memory
        figures["total_rss_mb"] = round(sum(r["rss_mb"] for r in memory), 1)
        gateway = [r for r in memory if r["role"] == "gateway"]
        if gateway:
            figures["gateway_rss_mb"] = gateway[0]["rss_mb"]
            figures["gateway_loads_tensorflow"] = gateway[0]["tensorflow"]
    finally:
        figures["stop"] = stack.stop()
    if name == "trialbot":
        figures["ledger"] = ledger.audit(url, samples)
        if "webchat" in figures:
            web_samples = figures["webchat"].pop("samples")
            figures["webchat"]["ledger"] = ledger.audit(url, web_samples, channel="webchat")
        lg = figures["ledger"]
        _say(
            f"  messages: {lg['sent']} sent, {lg['stored']} stored, {lg['answered']} answered, {lg['lost']} lost, "
            f"{lg['duplicated']} answered twice; repeated deliveries answered once: "
            f"{figures['duplicate_probes']['consistent']}/{figures['duplicate_probes']['ids']}"
        )
    return figures


def trial_search(trials: int, output: Path) -> Optional[Dict[str, Any]]:
    """Run bench/trials_search.py in its own process and read its figures."""
    if trials <= 0:
        return None
    _say(f"Trial search over the snapshot and {trials:,} generated trials…")
    command = [sys.executable, str(PROJECT_ROOT / "bench" / "trials_search.py"), str(output), "--trials", str(trials)]
    try:
        subprocess.run(command, cwd=PROJECT_ROOT, check=True, timeout=900)
        return json.loads(output.read_text())
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        print(f"The trial search benchmark failed: {error}", file=sys.stderr)
        return {"error": str(error)}


def safety_screen() -> Dict[str, Any]:
    """The safety stage's load time and per-message latency (bench/safety_screen.py), in this process."""
    _say("Safety stage latency over the frozen evaluation sets…")
    from bench.safety_screen import measure

    return measure()


def search_extraction() -> Dict[str, Any]:
    """What reading a trial search's details adds per message (bench/search_extraction.py), in this process."""
    _say("Trial-search detail reading over the frozen conversation sets…")
    from bench.search_extraction import measure

    return measure()


def training() -> Dict[str, Any]:
    """How long the last training took, from the record `bot/core/training.py` keeps next to the model."""
    record = read_record(PROJECT_ROOT / "models" / "trialbot.tar.gz")
    if record is None:
        return {"seconds": None, "text": "unknown (no record: the model was trained before training times were kept)"}
    minutes = record["seconds"] / 60
    return record | {
        "text": f"{minutes:.1f} min ({record['seconds']:g} s) on {record.get('cpus')} cores, "
        f"finished {record.get('finished_at')}"
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Run every part of the benchmark, write results.json and results.md, print the table."""
    args = parse_args(argv)
    began = time.monotonic()
    results: Dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "settings": {
            "seconds": args.seconds,
            "levels": args.levels,
            "max_messages": args.max_messages,
            "workers": args.workers,
            "targets": args.targets,
            "trials": args.trials,
            "request_timeout_s": args.request_timeout,
            "script": [text for _, text in SCRIPT],
        },
    }
    if not args.model.is_file():
        print(f"No trained model at {args.model}: run `make train` first.", file=sys.stderr)
        return 2
    if not is_current(args.model):
        print(
            "The model is older than its training data: run `make train` first (the bench does not train).",
            file=sys.stderr,
        )
        return 2
    results["model"] = {"path": str(args.model), "size_mb": round(args.model.stat().st_size / 2**20, 1)}
    results["training"] = training()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="trialbot-bench-") as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        results["database_setup_s"] = prepare_database(template)
        _say(f"Database with the bundled trials ready in {results['database_setup_s']} s.")
        results["targets"] = {}
        for name in args.targets:
            try:
                results["targets"][name] = bench_target(name, args, workdir, template)
            except StartError as error:
                print(str(error), file=sys.stderr)
                results["targets"][name] = {"error": str(error).splitlines()[0]}
                failed = True
            finally:  # keep the stack's log for a look afterwards
                if (workdir / f"{name}.log").exists():
                    kept = args.output_dir / f"results-{name}.log"
                    shutil.copyfile(workdir / f"{name}.log", kept)
                    results["targets"].setdefault(name, {})["log"] = str(kept)
    results["trial_search"] = trial_search(args.trials, args.output_dir / "results-trials.json")
    results["safety_screen"] = safety_screen()
    results["search_extraction"] = search_extraction()
    results["comparison"] = report.comparison(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["bench_wall_s"] = round(time.monotonic() - began, 1)
    results["goals"] = report.goals(results)
    (args.output_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = report.markdown(results)
    (args.output_dir / "results.md").write_text(table)
    _say("\n" + table)
    _say(f"Written to {args.output_dir / 'results.json'} and {args.output_dir / 'results.md'}.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
