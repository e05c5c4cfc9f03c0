"""The markdown report of ``emgfeedback bench --accuracy`` (command, tables, targets, footer)."""

from __future__ import annotations

from emgfeedback.bench_accuracy import INDEPENDENT

__all__ = ["format_table"]


def _fmt(v: "float | None", spec: str) -> str:
    return "–" if v is None else format(v, spec)


_METRIC_TEXT = {
    "median_abs_error_ms": ("median abs err", "ms", ".1f"),
    "recall": ("recall", "", ".3f"),
    "precision": ("precision", "", ".3f"),
    "firing_order_correct_pct": ("firing order correct", "%", ".1f"),
    "median_abs_latency_error_ms": ("median abs latency err", "ms", ".1f"),
}


def format_table(result: dict) -> str:
    """Markdown report of a :func:`run_accuracy` result: command, tables, targets, footer."""
    default = result.get("default_method")
    cls_text = "fast ≤ {:g} ms, gradual {:g}–{:g} ms".format(
        result["ramp_classes"]["fast"], result["ramp_classes"]["fast"], result["ramp_classes"]["gradual"])
    lines = [
        "## Onset detector accuracy (simulated, recruitment ramps per scenario)", "",
        f"Command: `{result['command']}`", "",
        f"Scenarios: {', '.join(result['scenarios'])}; seeds {result['seeds']}; product default settings "
        f"(default detector {default}), offline = causal `detect_onsets` as `analyze` runs it, live = "
        f"`StreamingOnsetDetector` fed {result['block_ms']:g} ms blocks. Ramp class of each true burst by its "
        f"recruitment time: {cls_text}. Onsets matched one-to-one within {result['tolerance_ms']:g} ms; "
        "a false detection counts against the precision of the class of the nearest true burst of its "
        "channel (fast if the channel has none).", "",
        "### Onsets per ramp class (all scenarios pooled)", "",
        "| method | SNR dB | ramp class | n true | median abs err ms | p90 ms | median err ms | recall | "
        "precision | live delay ms |",
        "|" + "---|" * 10,
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['method']} | {r['snr_db']:g} | {r['ramp_class']} | {r['n_true']} | "
            f"{_fmt(r['median_abs_error_ms'], '.1f')} | {_fmt(r['p90_abs_error_ms'], '.1f')} | "
            f"{_fmt(r['median_error_ms'], '+.1f')} | {_fmt(r['recall'], '.3f')} | {_fmt(r['precision'], '.3f')} | "
            f"{_fmt(r['live_delay_median_ms'], '.0f')} |")
    lines += [
        "", "### Firing order (GMax vs ES, per side and rep), latency and TFL ratio", "",
        "| method | SNR dB | order correct % | reps | median abs latency err ms | TFL ratio err % |",
        "|" + "---|" * 6,
    ]
    for r in result["order"]:
        lines.append(
            f"| {r['method']} | {r['snr_db']:g} | {_fmt(r['firing_order_correct_pct'], '.1f')} | "
            f"{r['n_reps_ordered']} | {_fmt(r['median_abs_latency_error_ms'], '.1f')} | "
            f"{_fmt(r['ratio_error_pct'], '.1f')} |")
    methods = result["methods"]
    lines += [
        "", "### Targets (issue 10)", "",
        "| target | SNR dB | " + " | ".join(f"{m} (default)" if m == default else m for m in methods) + " |",
        "|" + "---|" * (2 + len(methods)),
    ]
    for t in result["targets"]:
        name, unit, spec = _METRIC_TEXT[t["metric"]]
        prefix = ("firing order: " if t["metric"] != "firing_order_correct_pct" else "") \
            if t["ramp_class"] == "order" else f"{t['ramp_class']}: "
        label = f"{prefix}{name} {'≤' if t['op'] == '<=' else '≥'} {t['limit']:g}{' ' + unit if unit else ''}"
        cells = []
        for m in methods:
            c = t["methods"].get(m)
            cells.append("–" if c is None else f"{_fmt(c['value'], spec)} {'PASS' if c['pass'] else 'FAIL'}")
        lines.append(f"| {label} | {t['snr_db']:g} | " + " | ".join(cells) + " |")
    lines += ["", "Per-scenario rows: `--json` (`scenario_rows`). "
              f"Independent generator: {result.get('independent', INDEPENDENT)}"]
    return "\n".join(lines)
