#!/usr/bin/env bash
# The NLU figures of the README, from the current data: both held-out files beside the baseline
# (with the gates make test uses), then 5-fold cross-validation over the training data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_NAME=eval
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
train_if_needed
"$PY" scripts/eval_nlu.py --data tests/nlu_test.yml --min-intent-accuracy 0.97 --min-entity-f1 0.95
"$PY" scripts/eval_nlu.py --data tests/nlu_test_colloquial.yml --min-intent-accuracy 0.96 --min-entity-f1 0.95
"$PY" scripts/cv_nlu.py --folds 5 --seed 7
