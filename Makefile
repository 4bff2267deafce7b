.PHONY: run test setup eval bench
run:            ## install everything, train if needed, start the bot and open a chat
	bash scripts/run.sh
test:           ## the whole test suite (what CI runs)
	bash scripts/test.sh
setup:          ## only install / update the environment
	bash scripts/setup.sh
