#!/usr/bin/env python3
"""Groups a perf profile of the service by part (kernel TCP, scheduling, Swift runtime, NIO,
TickerHTTP, ...): the share of sampled CPU each takes. Record one first, e.g. under wrk:
    perf record -F 999 -g -p $(pgrep -f "ai-ticker --port 8080") -o perf.data -- sleep 6
Usage: scripts/perf-breakdown.py perf.data"""
import subprocess, re, collections, sys
out = subprocess.run(["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "dso,sym", "-g", "none", "--stdio"], capture_output=True, text=True).stdout
groups = collections.Counter()
for line in out.splitlines():
    m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
    if not m: continue
    pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
    if dso.startswith("[kernel"):
        if re.search(r"tcp|sock|skb|ip_|napi|net_|inet|__dev|loopback|__sys_sendto|__sys_recv|netif", sym): g = "kernel: TCP/loopback"
        elif re.search(r"epoll|ep_|poll", sym): g = "kernel: epoll"
        elif re.search(r"entry_SYSCALL|syscall|do_syscall|__x64|exit_to_user|syscall_exit", sym): g = "kernel: entering and leaving it (syscalls, interrupts)"
        elif re.search(r"schedule|futex|wake|switch|enqueue|dequeue|pick_next|update_curr|ttwu|select_task", sym): g = "kernel: scheduling/futex"
        elif re.search(r"irqrestore|irqentry|_irq$|softirq", sym): g = "kernel: waking a thread, interrupts"
        else: g = "kernel: other"
    elif dso.startswith("libc"): g = "libc (malloc, memcpy)"
    elif sym.startswith("swift_") or sym.startswith("swift::") or sym.startswith("_swift") or sym in ("getCache", "tryCast") or sym.startswith("__swift"): g = "Swift runtime (refcount, casts, metadata)"
    elif "llhttp" in sym: g = "HTTP parsing (llhttp)"
    elif re.match(r"\$s\d*NIOPosix", sym): g = "NIOPosix (sockets, event loop)"
    elif re.match(r"\$s\d*NIOCore", sym): g = "NIOCore (pipeline, ByteBuffer)"
    elif re.match(r"\$s\d*NIOHTTP1", sym): g = "NIOHTTP1 (headers, codec)"
    elif re.match(r"\$s\d*TickerHTTP", sym): g = "TickerHTTP (fast path, guard, gate)"
    elif re.match(r"\$s\d*(CoreMetrics|Metrics|Prometheus)", sym): g = "metrics"
    elif re.match(r"\$s(S|s)", sym): g = "Swift stdlib (String, Array)"
    else: g = "other in ai-ticker"
    groups[g] += pct
for g, p in groups.most_common(): print(f"{p:6.1f}%  {g}")
