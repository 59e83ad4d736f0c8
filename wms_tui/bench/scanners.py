"""`wms-tui bench scanners`: serial adapter throughput/latency over a pty, GS1 interpretation."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import timeit
import tty
from typing import Any

import click

from drivers import DriverEvent, DriverStatus, Scan, SerialSettings, interpret
from drivers.serial_driver import SerialDriver

GS1_SAMPLE = "010703206980498810ABC123\x1d17270131"


def _frame(i: int) -> bytes:
    # Distinct, GS1-shaped payloads so a merged or reordered frame is detectable.
    return f"]C1010703206980498810LOT{i:06d}\x1d17270131\r".encode()


def bench_serial(n: int = 1000) -> dict[str, Any]:
    master, slave = os.openpty()
    tty.setraw(master)
    path = os.ttyname(slave)
    received: list[tuple[bytes, float]] = []
    done = threading.Event()

    def sink(event: DriverEvent) -> None:
        if isinstance(event, Scan):
            received.append((event.raw, time.monotonic()))
            if len(received) >= n:
                done.set()

    driver = SerialDriver(SerialSettings(port=path, baud=115200, exclusive=False), sink)
    frames = [_frame(i) for i in range(n)]
    sent_at: list[float] = []
    try:
        driver.start()
        deadline = time.monotonic() + 5
        while driver.status is not DriverStatus.CONNECTED and time.monotonic() < deadline:
            time.sleep(0.01)
        for frame in frames:
            os.write(master, frame)
            sent_at.append(time.monotonic())  # the last byte of this frame has been written
        done.wait(30)
    finally:
        driver.close()
        os.close(master)
        os.close(slave)
    expected = [f[:-1] for f in frames]
    in_order = [raw for raw, _ in received] == expected
    latencies = sorted((t - sent_at[i]) * 1000 for i, (_, t) in enumerate(received[:n]))
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else None
    return {
        "serial_scans_sent": n,
        "serial_scans_received": len(received),
        "serial_in_order": in_order,
        "serial_latency_p50_ms": round(statistics.median(latencies), 3) if latencies else None,
        "serial_latency_p99_ms": round(p99, 3) if p99 is not None else None,
    }


def bench_interpretation(repeat: int = 2000) -> dict[str, Any]:
    result = interpret(GS1_SAMPLE)
    if result.reason:
        raise RuntimeError(f"benchmark sample did not interpret: {result.reason}")
    timer = timeit.Timer(lambda: interpret(GS1_SAMPLE))
    samples = [t * 1e6 for t in timer.repeat(repeat=repeat, number=1)]
    return {"gs1_interpret_median_us": round(statistics.median(samples), 1)}


def run() -> dict[str, Any]:
    return {**bench_serial(), **bench_interpretation()}


@click.command("scanners")
def bench_scanners() -> None:
    """Serial adapter over a pty (1,000 scans) and GS1 interpretation speed."""
    click.echo(json.dumps(run()))
