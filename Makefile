.PHONY: run test setup eval bench
run:            ## install everything, train if needed, start the bot and open a chat
	bash scripts/run.sh
test:           ## the whole test suite (what CI runs)
	bash scripts/test.sh
setup:          ## only install / update the environment
	bash scripts/setup.sh
eval:           ## NLU figures: both held-out files beside the baseline, then 5-fold CV
	bash scripts/eval.sh
bench:          ## benchmarks: money engine, loan ledger, whole turns beside a stock Rasa bot
	bash scripts/bench.sh
