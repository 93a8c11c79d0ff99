# SPDX-License-Identifier: GPL-2.0
"""The table, results.json and RESULTS.md of `make bench` (bench.sh), from
the numbers bench.sh left in its work directory.
  report.py WORK JSON RESULTS_MD ROUNDS SENT LINES KERNEL_LOST"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

work, out_json, out_md = sys.argv[1:4]
rounds, sent, lines, kernel_lost = (int(x) for x in sys.argv[4:8])

OPS = [("exec-static", "fork+exec+wait, static binary"),
       ("exec-dynamic", "fork+exec+wait, dynamic binary"),
       ("tcp", "TCP connect+accept+close, loopback"),
       ("udp", "UDP sendto, loopback"),
       ("null", "getppid(), a system call no program watches")]
CONFIGS = [("A", "none"), ("B", "appban"), ("C", "fapolicyd")]

vals = {}
with open(os.path.join(work, "results")) as f:
    for line in f:
        cfg, name, v = line.split()
        vals.setdefault((cfg, name), []).append(float(v))


def med(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median, percent: how noisy the rounds were."""
    m = med(xs)
    return round((max(xs) - min(xs)) / m * 100, 1) if xs and m else None


ops = {}
for op, _ in OPS:
    d = {}
    for cfg, _ in CONFIGS:
        xs = vals.get((cfg, op), [])
        d[cfg] = {"median_ns": med(xs), "spread_pct": spread(xs), "runs": xs}
    a = vals.get(("A", op), [])
    for cfg in ("B", "C"):
        xs = vals.get((cfg, op), [])
        # Paired by round (A B C were run one after the other), then the
        # median of the ratios: slow drifts of the machine cancel out.
        d["ratio_" + cfg] = (round(med([x / y for x, y in zip(xs, a)]), 4)
                             if xs and len(xs) == len(a) else None)
    ops[op] = d


def ms(name):
    v = med(vals.get(("B", name), []))
    return round(v, 1) if v is not None else None


policy = {"identifiers": {"sha256": 10000, "name": 9000, "dir": 1000},
          "load_first_ms": ms("load-first"), "load_first_scan_ms": ms("load-first-scan"),
          "load_ms": ms("load"), "load_scan_ms": ms("load-scan"),
          "swap_ms": ms("swap"), "swap_scan_ms": ms("swap-scan"),
          "swap_no_scan_ms": ms("swap-noscan"),
          "swap_cleared_ms": ms("swap-cleared"),
          "swap_in_force_ms": ms("swap-inforce"), "load_in_force_ms": ms("load-inforce"),
          "swap_no_scan_cleared_ms": ms("swap-noscan-cleared"),
          "load_hashed_files": ms("load-hashed"), "swap_hashed_files": ms("swap-hashed"),
          "load_spread_pct": spread(vals.get(("B", "load"), [])),
          "swap_spread_pct": spread(vals.get(("B", "swap"), [])),
          "swap_in_force_runs_ms": [round(x, 1) for x in vals.get(("B", "swap-inforce"), [])]}

maps = {}
with open(os.path.join(work, "maps.json")) as f:
    for line in f:
        if line.strip():
            m = json.loads(line)
            if "name" not in m or "type" not in m:  # {"error": ...}: refused
                continue
            maps[m["name"]] = {"type": m["type"], "max_entries": m["max_entries"],
                               "bytes": m.get("bytes_memlock", 0)}
maps_total = sum(m["bytes"] for m in maps.values())

steps = []
with open(os.path.join(work, "ev")) as f:
    for line in f:
        _, rate, written, lost, secs, ticks = line.split()
        cpu_s = int(ticks) / os.sysconf("SC_CLK_TCK")
        steps.append({"offered_per_s": int(rate), "written": int(written), "lost": int(lost),
                      "seconds": float(secs),
                      "rate_per_s": round(int(written) / float(secs)),
                      "writer_cpu_s": cpu_s,
                      "writer_cpu_ns_per_event": round(cpu_s * 1e9 / int(written)) if int(written) else None})
# Lines: every record plus policy-loaded (stopped by SIGINT, run unloads
# what it loaded and writes no policy-unloaded line).
lines_ok = lines == sent + 1 and kernel_lost == 0
no_loss = [s["rate_per_s"] for s in steps if s["lost"] == 0]
events = {"steps": steps, "records_written": sent, "json_lines": lines,
          "json_lines_expected": sent + 1, "kernel_events_lost": kernel_lost,
          "every_record_written": lines_ok,
          "max_rate_without_loss_per_s": max(no_loss) if no_loss and lines_ok else 0}

# appban's BPF programs: ns and runs per operation (bpfcost.sh)
bpfcost = {}
if os.path.exists(os.path.join(work, "bpfcost")):
    with open(os.path.join(work, "bpfcost")) as f:
        for line in f:
            op, prog, ns, runs = line.split()
            bpfcost.setdefault(op, {})[prog] = {"ns_per_op": float(ns), "runs_per_op": float(runs)}
for op, d in bpfcost.items():
    if op in ops:
        ops[op]["bpf_ns_per_op"] = round(sum(p["ns_per_op"] for p in d.values()), 1)
        ops[op]["bpf_programs"] = d


def sub_result(name):
    """The results of a benchmark that bench.sh ran this time (its output
    in the work directory), else None."""
    path = "tests/bench/results-%s.json" % name
    if not (os.path.exists(path) and os.path.exists(os.path.join(work, name + ".out"))):
        return None
    with open(path) as f:
        return json.load(f)


scan, copyban, reload = sub_result("scan"), sub_result("copyban"), sub_result("reload")
firstload, limits = sub_result("firstload"), sub_result("limits")
followers, sinks = sub_result("followers"), sub_result("sinks")


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


engine = ""
try:
    with open(os.path.join(work, "status.json")) as f:
        engine = json.load(f).get("engine", "")
except (OSError, ValueError):
    pass
machine = {"cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
           "cpus": os.cpu_count(), "kernel": platform.release(),
           "hypervisor": sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'"),
           "memory": sh("free -h | awk '/^Mem:/ { print $2 }'"),
           "load_before": sh("cat %s/loadavg" % work), "engine": engine}

targets = []


def target(name, value, limit, le=True):
    met = value is not None and (value <= limit if le else value >= limit)
    targets.append({"name": name, "value": value, "target": ("<= " if le else ">= ") + str(limit),
                    "met": met})


target("exec static, appban/none", ops["exec-static"]["ratio_B"], 1.01)
target("exec dynamic, appban/none", ops["exec-dynamic"]["ratio_B"], 1.01)
target("connect, appban/none", ops["tcp"]["ratio_B"], 1.03)
target("policy load, ms", policy["load_ms"], 1000)
target("policy swap: new policy in force, ms", policy["swap_in_force_ms"], 50)
if steps:
    target("events/s without loss", events["max_rate_without_loss_per_s"], 500000, le=False)
if reload:
    target("second load of %s (reload of run) vs first, x" % reload["root"], reload["reload_speedup"], 20, le=False)
if sinks and "file" in sinks["best"]:
    target("daemon to the file sink, records/s without loss", sinks["best"]["file"]["no_loss_rate"],
           300000, le=False)
if firstload:
    target("cold first load: path ban in force (load), ms", firstload["load_ban_ms"], 100)
    target("cold first load: path ban in force (run), ms", firstload["run_ban_ms"], 100)

when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
result = {"date": when, "machine": machine, "rounds": rounds,
          "params": {k: os.environ.get(k) for k in ("N_EXEC", "N_TCP", "N_UDP", "EV_RATES",
                                                     "EV_SECONDS") if os.environ.get(k)},
          "ops": ops, "policy": policy, "maps": {"total_bytes": maps_total, "by_map": maps},
          "events": events, "scan": scan, "reload": reload, "copyban": copyban, "firstload": firstload,
          "limits": limits, "followers": followers, "targets": targets}
with open(out_json, "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")


def fmt_ns(v):
    if v is None:
        return "-"
    return "%.1f us" % (v / 1000) if v >= 1000 else "%.0f ns" % v


def fmt_r(v):
    return "-" if v is None else "%.3f" % v


table = ["| operation | none (A) | appban (B) | fapolicyd (C) | B/A | C/A | spread A/B/C |",
         "|---|---|---|---|---|---|---|"]
for op, label in OPS:
    d = ops[op]
    table.append("| %s | %s | %s | %s | %s | %s | %s/%s/%s %% |" % (
        label, fmt_ns(d["A"]["median_ns"]), fmt_ns(d["B"]["median_ns"]),
        fmt_ns(d["C"]["median_ns"]), fmt_r(d["ratio_B"]), fmt_r(d["ratio_C"]),
        *("-" if d[c]["spread_pct"] is None else d[c]["spread_pct"] for c in "ABC")))
other = ["| measure | value |", "|---|---|",
         "| policy load, first (cold hash cache) | %s ms (scan %s ms) |" % (policy["load_first_ms"], policy["load_first_scan_ms"]),
         "| policy load | %s ms (scan %s ms, %s files hashed), spread %s %% |" % (policy["load_ms"], policy["load_scan_ms"], policy["load_hashed_files"], policy["load_spread_pct"]),
         "| policy swap: new policy in force (sha256 rules from the hash cache) | %s ms (rounds: %s) |" % (
             policy["swap_in_force_ms"], ", ".join("%.0f" % x for x in sorted(policy["swap_in_force_runs_ms"]))),
         "| policy swap: command done (then the walk of the scan roots) | %s ms (scan %s ms, %s files hashed), spread %s %% |" % (policy["swap_ms"], policy["swap_scan_ms"], policy["swap_hashed_files"], policy["swap_spread_pct"]),
         "| policy swap, no scan roots (APPBAN_SCAN_ROOTS empty) | %s ms |" % policy["swap_no_scan_ms"],
         "| policy swap until the old policy is cleared (in the background) | %s ms; no scan roots %s ms |" % (policy["swap_cleared_ms"], policy["swap_no_scan_cleared_ms"]),
         "| added to every system call while appban is loaded (getppid, B - A) | %s |" % (
             "%.0f ns" % (ops["null"]["B"]["median_ns"] - ops["null"]["A"]["median_ns"])
             if ops["null"]["B"]["median_ns"] is not None and ops["null"]["A"]["median_ns"] is not None
             else "-"),
         "| kernel memory of the maps | %s |" % ("%.1f MiB (%s)" % (maps_total / 2**20, ", ".join(
             "%s %.1f" % (n, m["bytes"] / 2**20) for n, m in sorted(maps.items()) if m["bytes"] >= 2**18))
             if maps else "not readable (tamper protection)")]
for s in steps:
    other.append("| events offered %d/s | %d/s written, %d lost; writer CPU %s ns/event |" % (
        s["offered_per_s"], s["rate_per_s"], s["lost"], s["writer_cpu_ns_per_event"]))
if steps:
    other.append("| JSON lines | %d of %d expected; kernel events_lost %d |" % (lines, sent + 1, kernel_lost))
if scan:
    other.append("| sha256 scan of %s (%d files) | %.0f MB/s (sha256sum: %.0f MB/s) |" % (
        scan.get("root"), scan.get("files", 0), scan.get("appban_mb_s", 0), scan.get("sha256sum_mb_s", 0)))
if reload:
    other.append("| load of %s (%d executables): first (empty digest cache) / reload of run (no walk) / second `appban load` (walk through the cache) | %.2f s / %.3f s (%.0fx) / %.3f s (%.1fx) |" % (
        reload["root"], reload["executables"], reload["first_load_s"], reload["reload_s"], reload["reload_speedup"],
        reload["second_load_with_walk_s"], reload["second_load_with_walk_speedup"]))
if firstload:
    other.append("| cold first load (empty digest cache, page cache dropped), scan of %s (%d executables): path ban in force / summary line / end of the scan | load %.1f / %.1f / %.1f ms; run %.1f / %.1f / %.1f ms |" % (
        firstload["root"], firstload["executables"], firstload["load_ban_ms"], firstload["load_line_ms"],
        firstload["load_scan_end_ms"], firstload["run_ban_ms"], firstload["run_line_ms"], firstload["run_scan_end_ms"]))
if limits:
    for p in limits["policies"]:
        other.append("| policy of %s (%.1f MiB of text): load / swap / kernel memory of the maps | %.0f ms / %.0f ms / %.2f MiB |" % (
            p["policy"], p["file_bytes"] / 2**20, p["load_ms"], p["swap_ms"], p["map_memory_bytes"] / 2**20))
if copyban:
    other.append("| copy of a banned file -> its rule in the kernel, `run` watching (%s engine, %d copies) | median %.3f ms, p99 %.3f ms, max %.3f ms; started at once after the copy: code ran %d of %d |" % (
        copyban["engine"], copyban["rounds"], copyban["delay_ms_median"], copyban["delay_ms_p99"],
        copyban["delay_ms_max"], copyban["started_at_once_code_ran"], copyban["rounds"]))
if followers:
    other.append("| daemon's followers at %d records/s, %d reading, %d rounds: CPU per record on the daemon's side (median) / rounds where every reader got every record, with 0, 1, 8 stuck (never reading) followers | %s |" % (
        followers["rate"], followers["readers"], followers["rounds"], "; ".join(
            "%d stuck: %d ns, %d of %d rounds (%d cut off)" % (
                r["stuck"], r["cpu_ns_per_record"], r["rounds_readers_got_all"], followers["rounds"],
                r["stuck_cut_off"])
            for r in followers["runs"])))
if sinks:
    for kind, b in sorted(sinks["best"].items()):
        other.append("| daemon, ring buffer -> %s: highest rate offered with nothing lost / most records/s that arrived (what limits) | %d/s / %d/s (%s) |" % (
            kind, b["no_loss_rate"], b["best_per_s"], b["limit"]))
    for p in sinks["sink_layer_alone"]:
        other.append("| sink layer alone (sinkpush), %s: records/s written / lost | %s/s / %s |" % (
            p["sink"], p["per_s"], p["lost"]))
if bpfcost:
    other.append("| appban BPF run time per operation (bpf_stats, machine-wide) | %s |" % "; ".join(
        "%s %.0f ns (%s)" % (op, ops[op].get("bpf_ns_per_op", 0), ", ".join(
            "%s %.0f" % (p.replace("appban_", ""), v["ns_per_op"])
            for p, v in sorted(d.items(), key=lambda kv: -kv[1]["ns_per_op"]) if v["ns_per_op"] >= 50))
        for op, d in bpfcost.items()))
tgt = ["| target | value | wanted | |", "|---|---|---|---|"]
for t in targets:
    tgt.append("| %s | %s | %s | %s |" % (t["name"], t["value"], t["target"], "met" if t["met"] else "MISSED"))

text = "\n".join(table + [""] + other + [""] + tgt) + "\n"
print(text)
with open(out_md, "w") as f:
    f.write("# Latest `make bench` results\n\n")
    f.write("Written by tests/bench/report.py (tests/bench/README.md says how to read them).\n\n")
    f.write("%s; %d rounds A B C; %s\n\n" % (when, rounds, ", ".join(
        "%s=%s" % kv for kv in result["params"].items()) or "default sizes"))
    f.write("Machine: %s, %s CPUs%s, %s RAM; kernel %s; appban engine %s; load average before: %s\n\n" % (
        machine["cpu"], machine["cpus"],
        " (" + machine["hypervisor"] + " guest)" if machine["hypervisor"] else "",
        machine["memory"], machine["kernel"], engine, machine["load_before"]))
    f.write(text)
print("wrote %s and %s" % (out_json, out_md), file=sys.stderr)
