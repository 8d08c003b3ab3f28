# The two commands of the README. Everything else is in scripts/.
.PHONY: run test setup lint

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh --test

lint:
	@bash -c 'source scripts/env.sh && ruff check . && lint-imports'
