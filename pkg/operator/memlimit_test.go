package operator

import (
	"runtime/debug"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

const mi = int64(1) << 20

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestContainerMemoryLimit(t *testing.T) {
	cases := []struct {
		name   string
		files  fstest.MapFS
		expect int64
	}{
		{
			name: "cgroup v2 in its own namespace: the mount's root is the container",
			files: fstest.MapFS{
				"proc/self/cgroup":          file("0::/\n"),
				"sys/fs/cgroup/memory.max":  file("134217728\n"),
				"sys/fs/cgroup/memory.high": file("max\n"),
			},
			expect: 128 * mi,
		},
		{
			name: "cgroup v2 without a limit",
			files: fstest.MapFS{
				"proc/self/cgroup":         file("0::/\n"),
				"sys/fs/cgroup/memory.max": file("max\n"),
			},
			expect: 0,
		},
		{
			name: "cgroup v2 seen from the host: the pod's limit on a parent holds for the container",
			files: fstest.MapFS{
				"proc/self/cgroup":                           file("0::/kubepods/pod1/ctr\n"),
				"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": file("max\n"),
				"sys/fs/cgroup/kubepods/pod1/memory.max":     file("268435456\n"),
				"sys/fs/cgroup/kubepods/memory.max":          file("1073741824\n"),
			},
			expect: 256 * mi,
		},
		{
			name: "cgroup v1: the path from /proc names the host's cgroup, the mount is the container's",
			files: fstest.MapFS{
				"proc/self/cgroup":                           file("12:pids:/docker/abc\n4:cpu,memory:/docker/abc\n1:name=systemd:/docker/abc\n"),
				"sys/fs/cgroup/memory/memory.limit_in_bytes": file("536870912\n"),
			},
			expect: 512 * mi,
		},
		{
			name: "cgroup v1 without a limit reports the largest page-aligned int64",
			files: fstest.MapFS{
				"proc/self/cgroup":                           file("4:memory:/\n"),
				"sys/fs/cgroup/memory/memory.limit_in_bytes": file("9223372036854771712\n"),
			},
			expect: 0,
		},
		{
			name: "a hybrid host: cgroup v2 mounted without the memory controller, v1 has the limit",
			files: fstest.MapFS{
				"proc/self/cgroup":                               file("4:memory:/job\n0::/\n"),
				"sys/fs/cgroup/unified/cgroup.controllers":       file(""),
				"sys/fs/cgroup/memory/job/memory.limit_in_bytes": file("104857600\n"),
			},
			expect: 100 * mi,
		},
		{
			name:   "no cgroup filesystem at all (not Linux, or not mounted)",
			files:  fstest.MapFS{},
			expect: 0,
		},
		{
			name: "an unreadable value is no limit",
			files: fstest.MapFS{
				"proc/self/cgroup":         file("0::/\n"),
				"sys/fs/cgroup/memory.max": file("lots\n"),
			},
			expect: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.expect, ContainerMemoryLimit(tc.files))
		})
	}
}

func TestMemoryLimitFor(t *testing.T) {
	limited := fstest.MapFS{
		"proc/self/cgroup":         file("0::/\n"),
		"sys/fs/cgroup/memory.max": file("134217728\n"),
	}
	// memoryLimitFor reads the runtime's current limit when $GOMEMLIMIT is set; keep it known.
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	debug.SetMemoryLimit(100 * mi)

	cases := []struct {
		name      string
		root      fstest.MapFS
		env       string
		ratio     float64
		expect    int64
		source    string
		container int64
	}{
		{name: "90% of the container's limit", root: limited, ratio: 0.9, expect: 120795955, source: "cgroup", container: 128 * mi},
		{name: "an explicit GOMEMLIMIT wins and is reported as set", root: limited, env: "100MiB", ratio: 0.9, expect: 100 * mi, source: "GOMEMLIMIT", container: 128 * mi},
		{name: "ratio 0 turns it off", root: limited, ratio: 0, source: "off", container: 128 * mi},
		{name: "no container limit, nothing to follow", root: fstest.MapFS{}, ratio: 0.9, source: "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "GOMEMLIMIT" {
					return tc.env
				}
				return ""
			}
			got := memoryLimitFor(tc.root, getenv, tc.ratio)
			assert.Equal(t, MemoryLimit{Bytes: tc.expect, Container: tc.container, Source: tc.source}, got)
		})
	}
}
