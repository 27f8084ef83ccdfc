// Command etcd builds the etcd server at the version pinned in go.mod, for the local control plane
// that tests, the demo and the benchmark start. etcd publishes no importable main package, so this
// program calls its entry point directly.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
