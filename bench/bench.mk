# make bench: the boot-time benchmark of issue 5 (bench/run.py); not part of
# make check.  Every scenario boots BENCH_RUNS times (interleaved) under QEMU
# (ACCEL=tcg, or kvm); results in BENCH_OUT: latest.md, latest.csv,
# latest-runs.csv, latest.png.  make bench-quick: one run each, results in
# build/bench/quick (bench/results is left alone).
BENCH_RUNS ?= 5
BENCH_OUT ?= bench/results

.PHONY: bench bench-quick
bench:
	@BENCH_T0=$$(date +%s.%N); export BENCH_T0; set -e; \
	bench/deps.sh; \
	$(MAKE) --no-print-directory all test-efi; \
	ACCEL=$(ACCEL) BENCH_RUNS=$(BENCH_RUNS) $(PYTHON) bench/run.py --out $(BENCH_OUT)

bench-quick:
	$(MAKE) --no-print-directory bench BENCH_RUNS=1 BENCH_OUT=$(BUILD)/bench/quick
