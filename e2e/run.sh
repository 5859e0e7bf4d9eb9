#!/usr/bin/env bash
# End-to-end suite against the cluster KUBECONFIG names (kind, k3d, a real
# one). Installs the CRD, runs the operator out of cluster against a
# PostgreSQL on loopback (a throwaway one unless REVISOR_TEST_POSTGRES_URL is
# set and reachable), and runs the scenarios in e2e/tests/, each in a
# throwaway namespace it deletes afterwards.
#
# With no cluster it prints SKIPPED and the reason, and claims no pass.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
  echo "SKIPPED e2e: $*"
  echo "  (run it with a cluster: KUBECONFIG=... bash e2e/run.sh; see README, 'End-to-end tests')"
  exit 0
}
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
if [ -z "${KUBECONFIG:-}" ] && [ ! -f "$HOME/.kube/config" ]; then
  skip "no cluster: KUBECONFIG is not set and ~/.kube/config does not exist"
fi
kubectl cluster-info >/dev/null 2>&1 || skip "no cluster: kubectl cannot reach the one KUBECONFIG names"

# shellcheck source=scripts/test-databases.sh
source scripts/test-databases.sh
cargo build --locked --bin revisor
kubectl apply -f crds/
kubectl wait --for condition=established crd/databaseschemas.revisor.dev crd/databaseschemasets.revisor.dev --timeout=60s
REVISOR_BIN="$PWD/target/debug/revisor" cargo test --locked -p revisor-e2e -- --ignored --test-threads=1
