#!/usr/bin/env bash
# The benchmarks behind the README's figures: the money engine, the loan ledger (SQLite and
# PostgreSQL) and whole turns of the bot beside a stock Rasa bot. Run on a quiet machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_NAME=bench
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
"$PY" benchmarks/finance_bench.py --repeat 30
"$PY" benchmarks/loans_bench.py
train_if_needed
"$PY" benchmarks/turn_bench.py
