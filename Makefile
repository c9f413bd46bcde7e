# make run   sets up .venv and runs the main job: render examples/site.toml into out/, build drivers/demo into out/
# make test  installs what the tests need (system packages too), then lint, types and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Programs the tests drive for real; scripts/system-deps.sh installs their Debian packages.
# What `make run` needs to build the demo driver (rpmbuild + kbuild against installed kernel headers).
BUILD_DEPS := rpmbuild:rpm make:make gcc:gcc dpkg:linux-headers-amd64
SYSTEM_DEPS := bash:bash lvmconfig:lvm2 fio:fio hdparm:hdparm ssh-keygen:openssh-client openssl:openssl findmnt:util-linux sshd:openssh-server sftp:openssh-client \
	rpmbuild:rpm multipath:multipath-tools xorriso:xorriso make:make gcc:gcc cpio:cpio shellcheck:shellcheck dpkg:linux-headers-amd64 \
	cloud-init:cloud-init netplan:netplan.io \
	debconf-set-selections:debconf busybox:busybox losetup:mount

.PHONY: run test lint bench system-deps build-deps clean

$(BIN)/xenkit: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: xenkit needs Python >= 3.11 ($(PYTHON) is older)" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ echo "error: $(PYTHON) cannot make a venv; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(BIN)/xenkit build-deps
	$(BIN)/xenkit render examples/site.toml -o out
	$(BIN)/xenkit driver build demo --local --kernel "$$(bash scripts/headers-kernel.sh)" -o out

build-deps:
	@bash scripts/system-deps.sh $(BUILD_DEPS)

system-deps:
	@bash scripts/system-deps.sh $(SYSTEM_DEPS)

lint: $(BIN)/xenkit
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(BIN)/xenkit system-deps lint
	$(BIN)/pytest

# Byte-compiled first, as a pip install of the wheel would be: with PYTHONDONTWRITEBYTECODE set (as on the
# reference machine) every run would otherwise compile the toolkit's modules again.
bench: $(BIN)/xenkit
	$(BIN)/python -m compileall -q toolkit
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_remote.py
	$(BIN)/python benchmarks/bench_iso.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_rollout.py
	$(BIN)/python benchmarks/bench_mpstatus.py
	$(BIN)/python benchmarks/bench_doctor.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
