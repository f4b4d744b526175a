# Novahost: two commands.
#   make start   set up what is missing, then run Backstage (:3000, backend :7007)
#                and the Novahost proxy (:8080) on the embedded default
#   make test    set up what is missing, then run every test
SHELL := /bin/bash

.PHONY: start test setup
start: setup
	@scripts/start.sh

test: setup
	@scripts/test.sh

setup:
	@scripts/setup.sh
