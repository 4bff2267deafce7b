.PHONY: run test setup eval bench prod-test prod-test-short
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
prod-test:      ## the production topology's fault, soak and fuzz suite (~25 min; docs/production-tests.md)
	bash scripts/prod_test.sh
prod-test-short: ## the same, soak 60 s and 2,000 fuzz messages (~8 min; what CI runs)
	PROD_TEST_SHORT=1 bash scripts/prod_test.sh
