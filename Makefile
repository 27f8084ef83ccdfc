# LiteLLM operator. Run `make help` for the targets.
#
# Every tool is built from a pinned Go module under hack/tools into bin/ (git-ignored) and reused
# when already there; nothing but Go is needed on the machine.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
export GOTOOLCHAIN := local

# Image and bundle settings, in the operator-sdk convention.
VERSION ?= 0.1.0
IMAGE_TAG_BASE ?= quay.io/litellm-operator/litellm-operator
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
KUBERNETES_VERSION := $(patsubst v%,%,$(call tool_version,controlplane,k8s.io/kubernetes))

CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
SETUP_ENVTEST ?= $(LOCALBIN)/setup-envtest-$(SETUP_ENVTEST_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
OPERATOR_SDK ?= $(LOCALBIN)/operator-sdk-$(OPERATOR_SDK_VERSION)
OPM ?= $(LOCALBIN)/opm-$(OPM_VERSION)
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
verify-generated: ## Fail when generated files (CRDs, RBAC, deepcopy, docs) are not up to date.
	hack/verify-generated.sh $(MAKE) manifests generate

.PHONY: test
test: verify-generated vet lint controlplane ## Check generated files, vet, lint and run every test.
	@rc=0; $(MAKE) --no-print-directory test-go || rc=$$?; hack/check-leftover-processes.sh "$(CONTROLPLANE_DIR)" || rc=1; exit $$rc

.PHONY: test-go
test-go: ## Run the Go tests only (unit tests with -race, then control-plane tests one package at a time).
	go test -race $(GO_TEST_FLAGS) $(UNIT_TEST_PKGS)
	go test -race -p 1 -timeout 30m $(GO_TEST_FLAGS) $(CONTROLPLANE_TEST_PKGS)

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

##@ Tools (built from hack/tools into bin/, skipped when present)

.PHONY: tools
tools: $(CONTROLLER_GEN) $(KUSTOMIZE) $(SETUP_ENVTEST) $(GOLANGCI_LINT) $(OPERATOR_SDK) $(OPM) controlplane ## Build every tool.

.PHONY: controller-gen kustomize setup-envtest golangci-lint operator-sdk opm
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen.
kustomize: $(KUSTOMIZE) ## Build kustomize.
setup-envtest: $(SETUP_ENVTEST) ## Build setup-envtest.
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint.
operator-sdk: $(OPERATOR_SDK) ## Build operator-sdk.
opm: $(OPM) ## Build opm.

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
