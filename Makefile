# Two commands: `make run` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup translations db demo-users messages bench clean

# The control socket lives in this checkout's instance folder, so two checkouts on one machine never
# share gunicorn's default one. wsgi.py adds faulthandler and safe-point garbage collection.
# --keep-alive 75: longer than a load balancer's idle timeout (commonly 60 s) and any user's pause between
# clicks, so a client never reuses a connection the server has just closed (a reset, seen by bench/load.py).
run: db demo-users
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	@mkdir -p instance
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --keep-alive 75 --control-socket instance/gunicorn.ctl --access-logformat '%(h)s "%(m)s %(U)s" %(s)s %(b)s' --access-logfile - wsgi:app

# One test process per CPU core (pytest-xdist); TEST_WORKERS=0 runs in this process (e.g. with --pdb).
TEST_WORKERS ?= auto
test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

setup: $(VENV)/.installed translations

# Re-installs only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d portal/translations

# Migrate, install (or top up) the portal's vocabularies, load (or top up) the demo data, add a year
# of demo referrals to a database that has none, and make sure the index exists and is current.
db: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask vocab install
	$(BIN)/flask seed demo --quiet
	$(BIN)/flask seed history
	$(BIN)/flask index ensure

demo-users: setup
	@$(BIN)/python -c "from seed.loader import DEMO_USERS; print('Demo accounts (demo data only):'); [print(f'  {u.email:28} {u.password:24} {u.description}') for u in DEMO_USERS]"

messages: setup
	$(BIN)/python -m portal.translations.update

bench: setup
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance
