"""The benchmark report: ratios, goals met or not, and the markdown table."""

from __future__ import annotations

from typing import Any, Dict

from bench import report


def _level(concurrency: int, p50: float, p95: float, throughput: float) -> Dict[str, Any]:
    return {
        "concurrency": concurrency,
        "sent": 100,
        "answered": 100,
        "errors": 0,
        "failed": 0,
        "empty": 0,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p95 * 1.2,
        "throughput_per_s": throughput,
        "by_kind": {"faq": {"answered": 50, "p50_ms": p50, "p95_ms": p95}},
    }


def _results() -> Dict[str, Any]:
    results: Dict[str, Any] = {
        "started_at": "2026-01-01T00:00:00+00:00",
        "machine": report.machine() | {"load_average_at_start": [0.0, 0.0, 0.0]},
        "settings": {"seconds": 25, "levels": [1, 10, 50], "workers": 2},
        "bench_wall_s": 420.0,
        "targets": {
            "trialbot": {
                "start_to_ready_s": 21.5,
                "gateway_rss_mb": 95.0,
                "total_rss_mb": 3000.0,
                "workers": [{"index": 0, "pid": 1, "load_seconds": 12.0}],
                "memory": [{"role": "gateway", "pid": 2, "rss_mb": 95.0, "tensorflow": False}],
                "levels": {"1": _level(1, 50, 80, 18), "10": _level(10, 300, 600, 30)},
                "ledger": {"sent": 900, "stored": 900, "answered": 900, "lost": 0, "duplicated": 0},
                "duplicate_probes": {"ids": 6, "deliveries": 18, "consistent": 6},
            },
            "plain_rasa": {
                "start_to_ready_s": 20.0,
                "total_rss_mb": 1800.0,
                "memory": [],
                "levels": {"1": _level(1, 45, 70, 20), "10": _level(10, 800, 1500, 12)},
            },
        },
        "trial_search": {
            "snapshot": {"p50_ms": 5.0, "p95_ms": 9.0},
            "scaled": {"trials": 100_000, "sites": 553_000, "p50_ms": 27.0, "p95_ms": 66.0},
        },
        "training": {"seconds": 480.0, "text": "8.0 min"},
        "search_extraction": {
            "messages": 1086,
            "gazetteer_load_s": 2.9,
            "worker": {"p50_ms": 0.1, "p95_ms": 0.9, "max_ms": 2.0},
            "action_server": {"p50_ms": 0.2, "p95_ms": 1.5, "max_ms": 3.0},
            "both": {"p50_ms": 0.3, "p95_ms": 2.4, "max_ms": 5.0},
        },
    }
    results["comparison"] = report.comparison(results)
    results["goals"] = report.goals(results)
    return results


def test_ratios_are_trialbot_over_plain_rasa() -> None:
    ratios = _results()["comparison"]
    assert set(ratios) == {"1", "10"}, "a level only one target ran is not compared"
    assert ratios["10"]["throughput_per_s"] == 2.5 and ratios["10"]["p95_ms"] == 0.4


def test_goals_met_or_not() -> None:
    met = {g["goal"]: g["met"] for g in _results()["goals"]}
    assert met["Throughput at 10 conversations"] is True
    assert met["p95 latency at 10 conversations"] is True
    assert met["p50 latency, one conversation"] is True
    assert met["Start to ready (trained model)"] is True
    assert met["Gateway memory (no model)"] is True
    assert met["Messages lost / answered twice"] is True
    assert met["Trial search p95, 100,000 trials"] is True
    assert met["Trial-search detail reading p95 per message"] is True

    results = _results()
    results["targets"]["trialbot"]["ledger"]["lost"] = 1
    results["targets"]["trialbot"]["start_to_ready_s"] = 45.0
    del results["targets"]["plain_rasa"]
    results["comparison"] = report.comparison(results)
    met = {g["goal"]: g["met"] for g in report.goals(results)}
    assert met["Messages lost / answered twice"] is False
    assert met["Start to ready (trained model)"] is False
    assert met["Throughput at 10 conversations"] is None, "not measured without plain Rasa"


def test_markdown_table() -> None:
    text = report.markdown(_results())
    assert "| Throughput at 10 conversations | ≥ 2× plain Rasa | 2.5× (30 vs 12 msg/s) | ✓ |" in text
    assert "| 10 | trialbot ÷ Rasa | 0.38× | 0.4× |" in text
    assert "| Start to ready | 21.5 s | 20.0 s |" in text
    assert "busy" not in text
    assert "8.0 min" in text
    assert "| Trial-search detail reading p95 per message | ≤ 3 ms | 2.4 ms | ✓ |" in text
    assert "both p95 2.4 ms" in text
    busy = _results()
    busy["machine"]["load_average_at_start"] = [9.0, 9.0, 9.0]
    assert "not representative" in report.markdown(busy)
