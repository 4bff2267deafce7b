.PHONY: run test setup eval bench prod-up prod-down prod-status prod-check prod-test prod-test-short
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
prod-up:        ## the production topology on this machine: 2 Rasa, 2 action servers, 2 ledgers behind HAProxy
	bash scripts/prod.sh up
prod-down:      ## stop the production topology (only what prod-up started)
	bash scripts/prod.sh down
prod-status:    ## each process of the production topology, HAProxy's view, the audit trail
	bash scripts/prod.sh status
prod-check:     ## the deploy manifests (compose, Kubernetes, HAProxy), checked offline
	bash scripts/prod.sh check
prod-test:      ## the production topology's fault, soak and fuzz suite (~25 min; docs/production-tests.md)
	bash scripts/prod_test.sh
prod-test-short: ## the same, soak 60 s and 2,000 fuzz messages (~13 min; the last stage of make test)
	PROD_TEST_SHORT=1 bash scripts/prod_test.sh
