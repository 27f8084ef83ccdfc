# LiteLLM operator. Run `make help` for the targets.
#
# Every tool is built from a pinned Go module under hack/tools into bin/ (git-ignored) and reused
# when already there; nothing but Go is needed on the machine.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
export GOTOOLCHAIN := local

# Image and bundle settings, in the operator-sdk convention.
VERSION ?= 0.2.0
IMAGE_TAG_BASE ?= quay.io/litellm-operator/litellm-access-operator
IMG ?= $(IMAGE_TAG_BASE):v$(VERSION)
CONTAINER_TOOL ?= docker

GOOS := $(shell go env GOOS)
GOARCH := $(shell go env GOARCH)
LOCALBIN ?= $(CURDIR)/bin

# Tool versions are read from the tools modules' go.mod files, so there is one place to bump them.
tool_version = $(shell awk '$$1=="$(2)" {print $$2; exit} $$1=="require" && $$2=="$(2)" {print $$3; exit}' hack/tools/$(1)/go.mod)
CONTROLLER_TOOLS_VERSION := $(call tool_version,codegen,sigs.k8s.io/controller-tools)
KUSTOMIZE_VERSION := $(call tool_version,codegen,sigs.k8s.io/kustomize/kustomize/v5)
SETUP_ENVTEST_VERSION := $(call tool_version,codegen,sigs.k8s.io/controller-runtime/tools/setup-envtest)
GOLANGCI_LINT_VERSION := $(call tool_version,lint,github.com/golangci/golangci-lint/v2)
ETCD_VERSION := $(call tool_version,etcd,go.etcd.io/etcd/server/v3)
OPERATOR_SDK_VERSION := $(call tool_version,olm,github.com/operator-framework/operator-sdk)
OPM_VERSION := $(call tool_version,olm,github.com/operator-framework/operator-registry)
PROMTOOL_VERSION := $(call tool_version,promtool,github.com/prometheus/prometheus)
KUBERNETES_VERSION := $(patsubst v%,%,$(call tool_version,controlplane,k8s.io/kubernetes))

CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
SETUP_ENVTEST ?= $(LOCALBIN)/setup-envtest-$(SETUP_ENVTEST_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
OPERATOR_SDK ?= $(LOCALBIN)/operator-sdk-$(OPERATOR_SDK_VERSION)
OPM ?= $(LOCALBIN)/opm-$(OPM_VERSION)
PROMTOOL ?= $(LOCALBIN)/promtool-$(PROMTOOL_VERSION)
# The control-plane binaries live in one folder with their plain names, in setup-envtest's layout,
# so KUBEBUILDER_ASSETS can point at it.
CONTROLPLANE_DIR := $(LOCALBIN)/k8s/$(KUBERNETES_VERSION)-$(GOOS)-$(GOARCH)
export KUBEBUILDER_ASSETS := $(CONTROLPLANE_DIR)
KUBECTL := $(LOCALBIN)/kubectl

K8S_LDFLAGS := -s -w \
	-X k8s.io/component-base/version.gitVersion=v$(KUBERNETES_VERSION) \
	-X k8s.io/component-base/version.gitMajor=$(word 1,$(subst ., ,$(KUBERNETES_VERSION))) \
	-X k8s.io/component-base/version.gitMinor=$(word 2,$(subst ., ,$(KUBERNETES_VERSION))) \
	-X k8s.io/component-base/version.gitTreeState=clean

# Packages whose tests start a control plane run one package at a time, so two API servers never
# compete for the CI machine's two cores.
CONTROLPLANE_TEST_PKGS := ./test/... ./controllers/...
UNIT_TEST_PKGS = $(shell go list ./... | grep -v -e '/test/' -e '/controllers')
GO_TEST_FLAGS ?=

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from the Go markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="{./api/...,./controllers/...}" output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code and the API reference.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."
	go run ./hack/apidocs

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (configuration in .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: verify-generated
verify-generated: ## Fail when generated files (CRDs, RBAC, deepcopy, docs, OLM bundle and catalog) are not up to date.
	hack/verify-generated.sh $(MAKE) manifests generate bundle catalog

.PHONY: test
test: verify-generated vet lint validate-olm check-monitoring controlplane ## Check generated files, vet, lint, validate the OLM bundle and catalog, check the alert rules, and run every test.
	@run=$$(date +%s%N); rc=0; \
	LITELLM_OPERATOR_TEST_RUN=$$run $(MAKE) --no-print-directory test-go || rc=$$?; \
	hack/check-leftover-processes.sh "$(CONTROLPLANE_DIR)" $$run || rc=1; exit $$rc

# TEST_JSON, when set, keeps the raw `go test -json` stream of test-go (e.g. to count passed tests).
TEST_JSON ?=

.PHONY: test-go
test-go: ## Run the Go tests only (unit tests with -race, then control-plane tests one package at a time), and list every skipped test with its reason.
	@failed=$$(mktemp) && trap 'rm -f "$$failed"' EXIT && \
	{ go test -race -json $(GO_TEST_FLAGS) $(UNIT_TEST_PKGS) || echo unit >> "$$failed"; \
	  go test -race -json -p 1 -timeout 30m $(GO_TEST_FLAGS) $(CONTROLPLANE_TEST_PKGS) || echo controlplane >> "$$failed"; } \
	| go run ./hack/testsummary $(if $(TEST_JSON),-save $(TEST_JSON)) && test ! -s "$$failed"

##@ Build

.PHONY: build
build: ## Build the manager and the LiteLLM simulator into bin/.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/litellm-sim ./cmd/litellm-sim

.PHONY: run
run: manifests generate ## Run the manager against the cluster in your current kubeconfig.
	go run ./cmd/manager

.PHONY: docker-build
docker-build: ## Build the manager image (needs a container engine: CONTAINER_TOOL=docker|podman).
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image (needs a container engine and a registry login).
	$(CONTAINER_TOOL) push $(IMG)

##@ Demo

.PHONY: demo
demo: ## Run the operator, a local control plane and the LiteLLM simulator, with the guide's objects (DEMO_ONCE=1: check and exit).
	go build -o $(LOCALBIN)/demo ./cmd/demo
	$(LOCALBIN)/demo

##@ Benchmark

# Flags of the benchmark, e.g. BENCH_ARGS="-quick" or BENCH_ARGS="-n 500 -concurrency 1,8 -latency 50ms";
# `make bench BENCH_ARGS=-help` lists them all.
BENCH_ARGS ?=

.PHONY: bench
bench: build controlplane ## Benchmark the operator (throughput to Ready, steady state, memory) and write docs/performance.json and .png.
	go build -o $(LOCALBIN)/bench ./test/bench/cmd/bench
	$(LOCALBIN)/bench -manager $(LOCALBIN)/manager $(BENCH_ARGS)

##@ Monitoring

# config/prometheus (an optional kustomize Component, see docs/monitoring.md) holds the ServiceMonitor
# and the PrometheusRule. Everything under the PrometheusRule's `spec:` is a plain Prometheus rule
# file, which check-monitoring cuts out for promtool; test/monitoring checks that the cut matches
# the parsed YAML.
PROMETHEUS_RULE := config/prometheus/prometheusrule.yaml
ALERT_TESTS := test/monitoring/alerts_test.yaml

.PHONY: check-monitoring
check-monitoring: $(PROMTOOL) $(KUSTOMIZE) ## Check the alert rules with promtool, run their unit tests, and build config/prometheus as an overlay would (part of make test).
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed -e '1,/^spec:$$/d' -e 's/^  //' $(PROMETHEUS_RULE) > "$$tmp/litellm-operator.rules.yaml" && \
	cp $(ALERT_TESTS) "$$tmp/alerts_test.yaml" && \
	echo "$(PROMTOOL) check rules $(PROMETHEUS_RULE)" && $(PROMTOOL) check rules "$$tmp/litellm-operator.rules.yaml" && \
	echo "$(PROMTOOL) test rules $(ALERT_TESTS)" && $(PROMTOOL) test rules "$$tmp/alerts_test.yaml" && \
	for overlay in with-default:config/default olm-installed:; do \
	  dir="$$tmp/$${overlay%%:*}" && base="$${overlay#*:}" && mkdir "$$dir" && \
	  { printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: litellm-access-operator-system\n'; \
	    if [ -n "$$base" ]; then printf 'resources:\n- %s\n' "$$(realpath --relative-to="$$dir" "$$base")"; fi; \
	    printf 'components:\n- %s\n' "$$(realpath --relative-to="$$dir" config/prometheus)"; } > "$$dir/kustomization.yaml" && \
	  echo "$(KUSTOMIZE) build (overlay $${overlay%%:*} with config/prometheus)" && \
	  { $(KUSTOMIZE) build "$$dir" > "$$dir/out.yaml" || exit 1; } && \
	  for kind in ServiceMonitor PrometheusRule; do \
	    grep -q "^kind: $$kind$$" "$$dir/out.yaml" || { echo "config/prometheus built without a $$kind" >&2; exit 1; }; \
	  done; \
	done

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests $(KUSTOMIZE) $(KUBECTL) ## Install the CRDs into the cluster in your kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests $(KUSTOMIZE) $(KUBECTL) ## Remove the CRDs (and every object of those kinds).
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests $(KUSTOMIZE) $(KUBECTL) ## Deploy the operator with image IMG to the cluster in your kubeconfig.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) $(KUBECTL) ## Remove the operator from the cluster in your kubeconfig.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

##@ OLM

# Bundle and catalog settings, in the operator-sdk convention. Channels follow OperatorHub's naming
# (candidate, fast, stable, suffixed with the major version): 0.x releases of an alpha operator go to
# candidate-v0. CHANNELS may list several, comma-separated.
PACKAGE_NAME := litellm-access-operator
CHANNELS ?= candidate-v0
DEFAULT_CHANNEL ?= $(firstword $(subst $(comma), ,$(CHANNELS)))
BUNDLE_METADATA_OPTS ?= --channels=$(CHANNELS) --default-channel=$(DEFAULT_CHANNEL)
BUNDLE_IMG ?= $(IMAGE_TAG_BASE)-bundle:v$(VERSION)
CATALOG_IMG ?= $(IMAGE_TAG_BASE)-catalog:v$(VERSION)
OPM_IMAGE ?= quay.io/operator-framework/opm:$(OPM_VERSION)
# operator-sdk stamps the CSV's createdAt with the current time; the bundle pins it, so the same
# sources always give the same bundle. Set it when you bump VERSION.
CSV_CREATED_AT ?= 2026-12-05T00:00:00Z
# The OpenShift releases whose catalogs offer the bundle: 4.16 (Kubernetes 1.29, the CSV's
# minKubeVersion) and every later one. OpenShift 4.N ships Kubernetes 1.(N+13) up to 4.22 (1.35),
# 5.0 ships 1.36, and 1.37, which the project builds and tests against, comes with the release
# after 5.0; open-ended, so that release's catalog offers it too (docs/install.md).
OPENSHIFT_VERSIONS ?= v4.16
# The Kubernetes version the validators check removed APIs against: the control plane the tests run.
VALIDATE_K8S_VERSION ?= $(word 1,$(subst ., ,$(KUBERNETES_VERSION))).$(word 2,$(subst ., ,$(KUBERNETES_VERSION)))
CSV := bundle/manifests/$(PACKAGE_NAME).clusterserviceversion.yaml
# USE_IMAGE_DIGESTS=true makes operator-sdk resolve every image to its digest (it asks the
# registry, so run it at release time, after the images are pushed); IMG may also be given with a
# digest (image@sha256:...). Only a bundle whose images are all pinned by digest claims
# disconnected support: OpenShift mirrors relatedImages by digest.
USE_IMAGE_DIGESTS ?= false
BUNDLE_GEN_FLAGS = -q --overwrite --version $(VERSION) $(BUNDLE_METADATA_OPTS) $(if $(filter true,$(USE_IMAGE_DIGESTS)),--use-image-digests)
DISCONNECTED = $(if $(or $(filter true,$(USE_IMAGE_DIGESTS)),$(findstring @sha256:,$(IMG))),true,false)

# The upgrade graph. Each published release's bundle (manifests and metadata) is kept in
# RELEASES_DIR, copied there by `make release-snapshot` on the release commit. The bundle of VERSION
# replaces the newest release before it and skips every earlier one, the catalog's channel offers
# them all, and test/olm checks that each one upgrades to VERSION (OLM's CRD checks included).
RELEASES_DIR := test/olm/testdata/releases
PREVIOUS_VERSIONS = $(shell printf '%s\n' $(notdir $(wildcard $(RELEASES_DIR)/*)) $(VERSION) | sort -V -u | sed -n '/^$(VERSION)$$/q;p')
REPLACES = $(lastword $(PREVIOUS_VERSIONS))
SKIP_RANGE = >=$(firstword $(PREVIOUS_VERSIONS)) <$(VERSION)

.PHONY: bundle
bundle: manifests $(KUSTOMIZE) $(OPERATOR_SDK) ## Generate bundle/ and bundle.Dockerfile from config/ (CSV, CRDs, extra manifests, metadata, scorecard) for IMG, VERSION and CHANNELS.
	$(OPERATOR_SDK) generate kustomize manifests -q --interactive=false --package $(PACKAGE_NAME)
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	rm -rf bundle/manifests bundle/metadata bundle/tests
	$(KUSTOMIZE) build config/manifests | $(OPERATOR_SDK) generate bundle --package $(PACKAGE_NAME) $(BUNDLE_GEN_FLAGS)
	@# Pin what would differ from run to run or machine to machine: the creation time, and the
	@# builder version (an operator-sdk built from source reports itself as "unknown").
	sed -i -e 's/^\(    createdAt: \).*/\1"$(CSV_CREATED_AT)"/' $(CSV)
	sed -i -e 's/operator-sdk-unknown/operator-sdk-$(OPERATOR_SDK_VERSION)/' $(CSV) bundle/metadata/annotations.yaml bundle.Dockerfile
	sed -i -e 's/^\(    features.operators.openshift.io\/disconnected: \).*/\1"$(DISCONNECTED)"/' $(CSV)
	@# The upgrade edge, in the CSV as in the catalog's channel (the keys are sorted, as generated).
	$(if $(REPLACES),sed -i -e "/^  version: /i\  replaces: $(PACKAGE_NAME).v$(REPLACES)" \
	  -e "/^    operators.operatorframework.io\/builder: /i\    olm.skipRange: '$(SKIP_RANGE)'" $(CSV))
	@# OpenShift catalogs read the supported OpenShift releases from this annotation and label.
	sed -i -e '$$a\' bundle/metadata/annotations.yaml
	printf '\n  # OpenShift releases this bundle is offered on.\n  com.redhat.openshift.versions: %s\n' "$(OPENSHIFT_VERSIONS)" >> bundle/metadata/annotations.yaml
	sed -i -e '/^LABEL operators.operatorframework.io.test.config.v1=/a\\n# OpenShift releases this bundle is offered on.\nLABEL com.redhat.openshift.versions=$(OPENSHIFT_VERSIONS)' bundle.Dockerfile
	$(OPERATOR_SDK) bundle validate ./bundle

.PHONY: bundle-validate
bundle-validate: $(OPERATOR_SDK) ## Validate bundle/: operator-sdk's format checks, then the operatorframework suite and OperatorHub's checks; fails on any error or warning.
	@# operator-sdk checks the bundle's format and content with the operator-framework/api it
	@# embeds; hack/bundlevalidate runs the same validators and the optional ones with the newer
	@# operator-framework/api pinned in go.mod (the embedded one has a false positive on events.k8s.io).
	@echo "$(OPERATOR_SDK) bundle validate ./bundle"; \
	out=$$($(OPERATOR_SDK) bundle validate ./bundle 2>&1) || { echo "$$out"; exit 1; }; \
	echo "$$out"; \
	if echo "$$out" | grep -q -E 'level=(warning|error)'; then echo "bundle validation reported warnings: fix them" >&2; exit 1; fi
	go run ./hack/bundlevalidate -k8s-version $(VALIDATE_K8S_VERSION) ./bundle

.PHONY: bundle-build
bundle-build: ## Build the bundle image BUNDLE_IMG (needs a container engine: CONTAINER_TOOL=docker|podman).
	@# The repository's .dockerignore admits only the manager's sources, so build from a context
	@# holding just the bundle.
	ctx=$$(mktemp -d) && trap 'rm -rf "$$ctx"' EXIT && cp -r bundle bundle.Dockerfile "$$ctx" && \
	  $(CONTAINER_TOOL) build -f "$$ctx/bundle.Dockerfile" -t $(BUNDLE_IMG) "$$ctx"

.PHONY: bundle-push
bundle-push: ## Push the bundle image BUNDLE_IMG (needs a container engine and a registry login).
	$(CONTAINER_TOOL) push $(BUNDLE_IMG)

# Flags for `make scorecard`, e.g. SCORECARD_ARGS="--namespace scorecard --selector=suite=olm".
SCORECARD_ARGS ?=

.PHONY: scorecard
scorecard: $(OPERATOR_SDK) ## Run the bundle's scorecard tests in the cluster of your kubeconfig (docs/install.md).
	$(OPERATOR_SDK) scorecard ./bundle --wait-time 120s $(SCORECARD_ARGS)

.PHONY: release-snapshot
release-snapshot: ## On a release commit: record bundle/ (generated for VERSION) as a published release in RELEASES_DIR (docs/releasing.md).
	@grep -q '^  version: $(VERSION)$$' $(CSV) || { echo "bundle/ is not the bundle of $(VERSION): run make bundle first" >&2; exit 1; }
	rm -rf $(RELEASES_DIR)/$(VERSION) && mkdir -p $(RELEASES_DIR)/$(VERSION)
	cp -r bundle/manifests bundle/metadata $(RELEASES_DIR)/$(VERSION)/

.PHONY: catalog
catalog: bundle $(OPM) ## Generate the file-based catalog catalog/ (package, channels with the upgrade graph, the released bundles and the bundle of VERSION as BUNDLE_IMG) and catalog.Dockerfile, offline.
	@# opm renders bundle directories (rendering an image would need a registry) with an empty
	@# image, which is set to each bundle's image; a second render migrates the bundles' objects
	@# to the smaller olm.csv.metadata form and prints every blob in a stable order.
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/$(PACKAGE_NAME)" && \
	{ printf -- '---\nschema: olm.package\nname: %s\ndefaultChannel: %s\n' "$(PACKAGE_NAME)" "$(DEFAULT_CHANNEL)"; \
	  for channel in $(subst $(comma), ,$(CHANNELS)); do \
	    printf -- '---\nschema: olm.channel\npackage: %s\nname: %s\nentries:\n' "$(PACKAGE_NAME)" "$$channel"; \
	    previous=; for v in $(PREVIOUS_VERSIONS) $(VERSION); do \
	      printf -- '- name: %s.v%s\n' "$(PACKAGE_NAME)" "$$v"; \
	      if [ -n "$$previous" ]; then \
	        printf "  replaces: %s.v%s\n  skipRange: '>=%s <%s'\n" "$(PACKAGE_NAME)" "$$previous" "$(firstword $(PREVIOUS_VERSIONS))" "$$v"; \
	      fi; previous=$$v; \
	    done; \
	  done; \
	  for v in $(PREVIOUS_VERSIONS); do \
	    $(OPM) render $(RELEASES_DIR)/$$v -o yaml | sed -e "s|^image: \"\"$$|image: $(IMAGE_TAG_BASE)-bundle:v$$v|"; \
	  done; \
	  $(OPM) render ./bundle -o yaml | sed -e 's|^image: ""$$|image: $(BUNDLE_IMG)|'; \
	} > "$$tmp/$(PACKAGE_NAME)/catalog.yaml" && \
	rm -rf catalog/*/ && mkdir -p catalog/$(PACKAGE_NAME) && \
	$(OPM) render "$$tmp" -o yaml --migrate-level=bundle-object-to-csv-metadata > catalog/$(PACKAGE_NAME)/catalog.yaml
	rm -f catalog.Dockerfile
	$(OPM) generate dockerfile catalog -i $(OPM_IMAGE) -b $(OPM_IMAGE)

.PHONY: catalog-validate
catalog-validate: $(OPM) ## Validate the file-based catalog catalog/ with opm.
	$(OPM) validate catalog
	@echo "catalog/ is a valid file-based catalog."

.PHONY: validate-olm
validate-olm: bundle-validate catalog-validate ## Validate bundle/ and catalog/ (part of make test).

.PHONY: catalog-build
catalog-build: ## Build the catalog image CATALOG_IMG (needs a container engine: CONTAINER_TOOL=docker|podman).
	ctx=$$(mktemp -d) && trap 'rm -rf "$$ctx"' EXIT && cp -r catalog catalog.Dockerfile "$$ctx" && \
	  $(CONTAINER_TOOL) build -f "$$ctx/catalog.Dockerfile" -t $(CATALOG_IMG) "$$ctx"

.PHONY: catalog-push
catalog-push: ## Push the catalog image CATALOG_IMG (needs a container engine and a registry login).
	$(CONTAINER_TOOL) push $(CATALOG_IMG)

##@ Tools (built from hack/tools into bin/, skipped when present)

.PHONY: tools
tools: $(CONTROLLER_GEN) $(KUSTOMIZE) $(SETUP_ENVTEST) $(GOLANGCI_LINT) $(OPERATOR_SDK) $(OPM) $(PROMTOOL) controlplane ## Build every tool.

.PHONY: controller-gen kustomize setup-envtest golangci-lint operator-sdk opm promtool
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen.
kustomize: $(KUSTOMIZE) ## Build kustomize.
setup-envtest: $(SETUP_ENVTEST) ## Build setup-envtest.
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint.
operator-sdk: $(OPERATOR_SDK) ## Build operator-sdk.
opm: $(OPM) ## Build opm.
promtool: $(PROMTOOL) ## Build promtool (checks and unit-tests the alert rules; about 4 minutes cold).

$(CONTROLLER_GEN):
	$(call build-tool,codegen,$@,sigs.k8s.io/controller-tools/cmd/controller-gen,controller-gen)
$(KUSTOMIZE):
	$(call build-tool,codegen,$@,sigs.k8s.io/kustomize/kustomize/v5,kustomize)
$(SETUP_ENVTEST):
	$(call build-tool,codegen,$@,sigs.k8s.io/controller-runtime/tools/setup-envtest,setup-envtest)
$(GOLANGCI_LINT):
	$(call build-tool,lint,$@,github.com/golangci/golangci-lint/v2/cmd/golangci-lint,golangci-lint)
$(OPERATOR_SDK):
	$(call build-tool,olm,$@,-tags containers_image_openpgp github.com/operator-framework/operator-sdk/cmd/operator-sdk,operator-sdk)
$(OPM):
	$(call build-tool,olm,$@,-tags "json1$(comma)containers_image_openpgp" github.com/operator-framework/operator-registry/cmd/opm,opm)
$(PROMTOOL):
	$(call build-tool,promtool,$@,github.com/prometheus/prometheus/cmd/promtool,promtool)

.PHONY: controlplane
controlplane: $(CONTROLPLANE_DIR)/etcd $(CONTROLPLANE_DIR)/kube-apiserver $(CONTROLPLANE_DIR)/kube-controller-manager $(KUBECTL) ## Build etcd, kube-apiserver, kube-controller-manager and kubectl (about 8 minutes cold).

$(CONTROLPLANE_DIR)/etcd:
	@mkdir -p $(CONTROLPLANE_DIR)
	cd hack/tools/etcd && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o $@.tmp . && mv $@.tmp $@

# The Kubernetes binaries are linked one after another: each link needs about 3 GB of memory.
$(CONTROLPLANE_DIR)/%:
	@mkdir -p $(CONTROLPLANE_DIR)
	cd hack/tools/controlplane && CGO_ENABLED=0 go build -trimpath -ldflags "$(K8S_LDFLAGS)" -o $@.tmp k8s.io/kubernetes/cmd/$* && mv $@.tmp $@

$(KUBECTL): $(CONTROLPLANE_DIR)/kubectl
	ln -sf $(CONTROLPLANE_DIR)/kubectl $@

comma := ,
# build-tool,<tools module>,<versioned output>,<package>,<plain name>: builds into a versioned file
# (a version bump rebuilds) and links the plain name to it.
define build-tool
@mkdir -p $(LOCALBIN)
cd hack/tools/$(1) && go build -o $(2).tmp $(3) && mv $(2).tmp $(2)
ln -sf $(notdir $(2)) $(LOCALBIN)/$(4)
endef
