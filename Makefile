# PTX Channel Manager — every developer command. `make run` and `make test` need nothing else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
TOOLS_VENV := .venv-tools
BIN := $(VENV)/bin
STAGE ?= dev
export AWS_DEFAULT_REGION ?= ap-southeast-1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
PYTEST_ARGS ?=
# Tests mostly wait (sockets, PostgreSQL, the simulators), so more workers than cores pays off: each
# worker has its own PostgreSQL cluster and moto server. `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 4
PYTEST_XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)
# This project's bytecode is cached (in git-ignored __pycache__) even where the environment turns
# caching off: otherwise every worker and every e2e stack compiles chalicelib and rewrites every test.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help run test test-unit test-integration test-e2e lint fmt typecheck package cfn-lint migrate bench superadmin rotate-ota-keys clean \
	dashboard-build dashboard-dev dashboard-types dashboard-checks chromium

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# --- environments ---------------------------------------------------------------------------------
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# cfn-lint validates SAM templates through aws-sam-translator, which pins an older pydantic than the
# app uses, so it lives in its own virtualenv.
$(TOOLS_VENV)/.installed: requirements-tools.txt
	@test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.txt
	@touch $@


# The dashboard: Node's packages exactly as package-lock.json says (npm ci), rebuilt when it changes.
DASHBOARD := dashboard
DASHBOARD_BUILD := build/dashboard
CHROMIUM := /usr/bin/chromium
$(DASHBOARD)/node_modules/.installed: $(DASHBOARD)/package-lock.json
	@command -v npm >/dev/null || { echo "error: Node.js 20+ and npm are needed for the dashboard (Debian: sudo apt-get install -y nodejs npm)"; exit 2; }
	cd $(DASHBOARD) && npm ci --no-audit --no-fund
	@touch $@

# The browser tests drive Debian's Chromium (never a downloaded one: no `playwright install`).
chromium: ## install Debian's Chromium for the browser tests when missing (as root), or say how
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium >/dev/null && echo "installed $(CHROMIUM)"; \
		else echo "error: the browser tests need Chromium: sudo apt-get install -y chromium"; exit 2; fi; }

# Rebuilt only when the sources changed: the stamp holds a hash of src, public, the lock file and configs.
DASHBOARD_SOURCES_HASH = $$(cd $(DASHBOARD) && find src public index.html package-lock.json tsconfig.json vite.config.ts \
	-type f ! -name '*.test.ts' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
dashboard-build: $(DASHBOARD)/node_modules/.installed ## build the dashboard into build/dashboard when its sources changed
	@mkdir -p build; hash=$(DASHBOARD_SOURCES_HASH); \
	if [ -f $(DASHBOARD_BUILD)/index.html ] && [ "$$(cat build/dashboard.stamp 2>/dev/null)" = "$$hash" ]; then \
		echo "dashboard: build up to date ($(DASHBOARD_BUILD))"; \
	else (cd $(DASHBOARD) && npm run --silent build -- --logLevel warn) && echo "$$hash" > build/dashboard.stamp && echo "dashboard: built into $(DASHBOARD_BUILD)"; fi

dashboard-dev: $(DASHBOARD)/node_modules/.installed ## Vite with hot reload on :5173, /api proxied to the running `make run` (PTX_API_URL)
	cd $(DASHBOARD) && npm run dev

dashboard-types: $(VENV)/.installed $(DASHBOARD)/node_modules/.installed ## regenerate dashboard/openapi.json and src/api/schema.d.ts from the API
	$(BIN)/python -m chalicelib.cli.export_openapi $(DASHBOARD)/openapi.json
	cd $(DASHBOARD) && npx --no-install openapi-typescript openapi.json -o src/api/schema.d.ts --silent

dashboard-checks: $(VENV)/.installed $(DASHBOARD)/node_modules/.installed ## the dashboard's generated types are current; tsc, eslint, vitest
	@mkdir -p build/openapi-check
	$(BIN)/python -m chalicelib.cli.export_openapi build/openapi-check/openapi.json
	cd $(DASHBOARD) && npx --no-install openapi-typescript ../build/openapi-check/openapi.json -o ../build/openapi-check/schema.d.ts --silent
	@cmp -s build/openapi-check/openapi.json $(DASHBOARD)/openapi.json && cmp -s build/openapi-check/schema.d.ts $(DASHBOARD)/src/api/schema.d.ts \
		|| { echo "error: dashboard/openapi.json or src/api/schema.d.ts is out of date with the API: run make dashboard-types and commit"; exit 1; }
	cd $(DASHBOARD) && npm run --silent typecheck && npm run --silent lint && npm run --silent test

# --- the two commands a new user needs -----------------------------------------------------------
run: $(VENV)/.installed dashboard-build ## start the local stack: PostgreSQL, moto, API on :8000, event runner (Ctrl-C stops)
	$(BIN)/python -m local.stack

test: $(VENV)/.installed $(TOOLS_VENV)/.installed chromium dashboard-build ## every test, with lint, type-check, package, cfn-lint and the dashboard's checks alongside
	@mkdir -p build
	@echo "== lint, typecheck, package, cfn-lint, dashboard-checks: running alongside the tests (output below when done)"
	@( $(MAKE) --no-print-directory -k lint typecheck package cfn-lint dashboard-checks > build/checks.log 2>&1; echo $$? > build/checks.rc ) & \
	checks=$$!; \
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS); tests=$$?; \
	wait $$checks; status=$$(cat build/checks.rc); \
	echo "== lint, typecheck, package, cfn-lint, dashboard-checks (exit $$status):"; cat build/checks.log; \
	if [ "$$status" != 0 ]; then echo "== FAILED: lint, typecheck, package, cfn-lint or dashboard-checks (see above)"; fi; \
	if [ "$$tests" != 0 ]; then echo "== FAILED: pytest (exit $$tests)"; fi; \
	test "$$status" = 0 && test "$$tests" = 0

# --- pieces ---------------------------------------------------------------------------------------
test-unit: $(VENV)/.installed ## unit tests only (sockets blocked)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(VENV)/.installed ## integration tests (real PostgreSQL, moto server)
	$(BIN)/python -m pytest $(PYTEST_XDIST) tests/integration $(PYTEST_ARGS)

test-e2e: $(VENV)/.installed chromium dashboard-build ## end-to-end tests against the local stack
	$(BIN)/python -m pytest $(PYTEST_XDIST) tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app.py chalicelib local infra tests bench

fmt: $(VENV)/.installed ## format and auto-fix
	$(BIN)/ruff format app.py chalicelib local infra tests bench
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.installed ## mypy (strict) on the app, the local stack and the infra template
	$(BIN)/mypy chalicelib app.py local infra

package: $(VENV)/.installed ## SAM template + deployment zip in build/package (chalice package --merge-template)
	$(BIN)/python -m infra.template build/infra/merge.json
	$(BIN)/chalice package --stage $(STAGE) --pkg-format cloudformation \
		--merge-template build/infra/merge.json build/package
	@echo "packaged: build/package/sam.json + deployment.zip"

cfn-lint: $(TOOLS_VENV)/.installed ## validate the packaged SAM template
	$(TOOLS_VENV)/bin/cfn-lint build/package/sam.json

migrate: $(VENV)/.installed ## apply migrations to DATABASE_URL (default: the `make run` database)
	DATABASE_URL=$${DATABASE_URL:-postgresql+pg8000://postgres@127.0.0.1:54329/ptx} $(BIN)/python -m chalicelib.db.migrate

superadmin: $(VENV)/.installed ## create the first Super Admin: make superadmin EMAIL=you@example.com [NAME="Your Name"]
	@test -n "$(EMAIL)" || { echo 'usage: make superadmin EMAIL=you@example.com [NAME="Your Name"] (password: prompt or SUPERADMIN_PASSWORD)'; exit 2; }
	@DATABASE_URL=$${DATABASE_URL:-postgresql+pg8000://postgres@127.0.0.1:54329/ptx} \
		$(BIN)/python -m chalicelib.cli.create_superadmin --email "$(EMAIL)" --name "$(or $(NAME),Super Admin)"

rotate-ota-keys: $(VENV)/.installed ## re-wrap every OTA account's credentials under a KMS key: make rotate-ota-keys [TO_KEY=alias/...]
	DATABASE_URL=$${DATABASE_URL:-postgresql+pg8000://postgres@127.0.0.1:54329/ptx} \
		$(BIN)/python -m chalicelib.cli.rotate_ota_credentials $(if $(TO_KEY),--to-key "$(TO_KEY)")

bench: $(VENV)/.installed ## run every benchmark script in bench/ (prints figures)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean: ## remove build output and virtualenvs (keeps .local data)
	rm -rf build $(VENV) $(TOOLS_VENV) $(DASHBOARD)/node_modules .pytest_cache .mypy_cache .ruff_cache
