"""Every `wms-tui bench` runs end to end at a small size and prints the figures it promises:
a benchmark that no longer runs (a changed sign-in, a renamed step) fails here, not on the day
someone needs the numbers."""

import json
import os
import subprocess
import sys

import pytest

SMALL = {
    "ledger": ["--throughput-moves", "2000", "--ledger-moves", "5000", "--batch", "500", "--items", "200", "--bins", "50",
               "--reads", "50", "--commits", "20"],
    "outbound": ["--orders", "20", "--lines", "2", "--picks", "10"],
    "inbound": ["--lines", "20", "--items", "200", "--bins", "20"],
    "ui": ["--ledger-moves", "2000", "--scans", "20", "--starts", "1"],
    "console": ["--orders", "300", "--ledger-moves", "2000", "--rounds", "10", "--starts", "1"],
}
FIGURES = {
    "ledger": ("post_moves_per_s", "onhand_p99_ms", "available_p99_ms"),
    "outbound": ("allocate_orders_s", "pick_confirm_p99_ms"),
    "inbound": ("receive_scan_p99_ms", "replenishment_s"),
    "ui": ("scan_to_screen_p99_ms", "cold_start_s", "rss_mb", "actions_per_single_unit_line", "actions_per_case_line"),
    "console": ("dashboard_refresh_p99_ms", "search_p99_ms", "order_open_p99_ms", "console_start_s", "rss_mb"),
}


def bench_figures(bench: str, *options: str, cwd) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "wms_tui", "bench", bench, *options],
        cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bench", sorted(SMALL))
def test_bench_runs_and_prints_its_figures(bench, tmp_path):
    figures = bench_figures(bench, *SMALL[bench], cwd=tmp_path)
    for key in FIGURES[bench]:
        assert figures[key] > 0, (key, figures)
    if bench == "ui":
        assert figures["scans"] == 20
        assert figures["actions_per_single_unit_line"] <= 3 and figures["actions_per_case_line"] <= 3, figures


def test_bench_console_keeps_its_warehouse_and_reuses_it(tmp_path):
    kept = tmp_path / "kept" / "wms.db"
    built = bench_figures("console", *SMALL["console"], "--database", str(kept), cwd=tmp_path)
    reused = bench_figures("console", "--orders", "5", "--ledger-moves", "10", "--rounds", "2", "--starts", "1",
                           "--database", str(kept), cwd=tmp_path)
    assert built["build_s"] > 0 and reused["build_s"] is None
    assert (reused["orders"], reused["ledger_moves"]) == (built["orders"], built["ledger_moves"])  # the kept one, not a new one


@pytest.mark.pg
def test_bench_sync_runs_and_prints_its_figures(pg_admin_url, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "wms_tui", "bench", "sync", "--url", pg_admin_url, "--moves", "300", "--catchup-moves", "200",
         "--terminals", "3", "--processes", "2", "--fault-terminals", "3", "--fault-rate", "0.5", "--wire-terminals", "3",
         "--seconds", "2", "--warmup-s", "1", "--period-ms", "500"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("push_moves_per_s", "copy_rows_per_s", "catchup_100k_s", "push_p99_ms", "exchange_p99_ms", "visibility_p99_ms", "pulls_per_s",
                "fleet_cpu_s", "service_cpu_s"):
        assert figures[key] > 0, (key, figures)
    if "WMS_TEST_PG_URL" not in os.environ:  # the test's own server runs here: its CPU is read
        assert figures["database_cpu_s"] > 0 and figures["central_cpu_ms_per_pick"] > 0, figures
    # Every terminal kept its beat (4 measured picks in 2 s, after 2 in the warm-up), every pick,
    # the warm-up's too, reached central once, and once synced every terminal holds central's
    # moves and balances.
    assert (figures["floor_moves"], figures["floor_lost"], figures["floor_duplicated"], figures["diverged_terminals"]) == (12, 0, 0, 0)
    # The fault run: the same behind a proxy that broke half the requests while the terminals picked.
    assert sum(figures["fault_injected"].values()) > 0, figures
    assert (figures["fault_moves"], figures["fault_lost"], figures["fault_duplicated"], figures["fault_diverged_terminals"]) == (12, 0, 0, 0)
    assert (figures["lost"], figures["duplicated"]) == (0, 0)
    # The wire run: the same traffic from terminals that are only their protocol.
    assert (figures["wire_moves"], figures["wire_lost"], figures["wire_duplicated"], figures["wire_unseen_pairs"]) == (12, 0, 0, 0)
    for key in ("wire_push_p99_ms", "wire_visibility_p99_ms", "wire_pushes_per_s", "wire_client_cpu_s", "wire_service_cpu_s"):
        assert figures[key] > 0, (key, figures)
