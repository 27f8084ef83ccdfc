package operator

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultMemoryLimitRatio is the share of the container's memory limit the Go runtime aims to stay
// under: the rest is for memory the runtime does not manage (thread stacks, the binary, page
// tables) and for the time a collection takes to catch up.
const DefaultMemoryLimitRatio = 0.9

// MemoryLimit is the Go runtime's soft memory limit and where it came from.
type MemoryLimit struct {
	// Bytes is the limit set; 0 means none was set here.
	Bytes int64
	// Container is the container's (cgroup's) memory limit; 0 when it has none.
	Container int64
	// Source says why: "GOMEMLIMIT" (set by the environment, left alone), "cgroup", "off" or "none"
	// (no container limit found).
	Source string
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit to ratio × the container's memory limit,
// so the collector works harder before the container is killed for memory, instead of letting the
// heap grow to twice what is live (GOGC=100) regardless of the limit. An explicit $GOMEMLIMIT wins,
// and ratio 0 turns this off.
func ApplyMemoryLimit(ratio float64) MemoryLimit {
	l := memoryLimitFor(os.DirFS("/"), os.Getenv, ratio)
	if l.Source == "cgroup" {
		debug.SetMemoryLimit(l.Bytes)
	}
	return l
}

func memoryLimitFor(root fs.FS, getenv func(string) string, ratio float64) MemoryLimit {
	container := ContainerMemoryLimit(root)
	switch {
	case getenv("GOMEMLIMIT") != "":
		return MemoryLimit{Bytes: debug.SetMemoryLimit(-1), Container: container, Source: "GOMEMLIMIT"}
	case ratio <= 0:
		return MemoryLimit{Container: container, Source: "off"}
	case container == 0:
		return MemoryLimit{Source: "none"}
	}
	return MemoryLimit{Bytes: int64(ratio * float64(container)), Container: container, Source: "cgroup"}
}

// unlimitedV1 is the smallest value cgroup v1 reports for "no limit" (the page-rounded maximum of
// an int64); anything at or above it means none.
const unlimitedV1 = int64(1) << 62

// ContainerMemoryLimit returns the memory limit of the cgroup this process runs in, from the
// filesystem root: cgroup v2's memory.max, else cgroup v1's memory.limit_in_bytes, the smallest one
// on the path from the process's cgroup up to the hierarchy's root (a parent's limit holds for its
// children). 0 means no limit. Paths are looked up both as /proc/self/cgroup names them and at the
// mount's root, since inside a container the mount usually is the container's own cgroup.
func ContainerMemoryLimit(root fs.FS) int64 {
	v2Path, v1Path := cgroupPaths(root)
	if limit, found := smallestLimit(root, "sys/fs/cgroup", v2Path, "memory.max"); found {
		return limit
	}
	limit, _ := smallestLimit(root, "sys/fs/cgroup/memory", v1Path, "memory.limit_in_bytes")
	return limit
}

// cgroupPaths reads the process's cgroup v2 path and cgroup v1 memory path from /proc/self/cgroup.
func cgroupPaths(root fs.FS) (v2, v1Memory string) {
	data, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return "/", "/"
	}
	v2, v1Memory = "/", "/"
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1Memory = parts[2]
			}
		}
	}
	return v2, v1Memory
}

// smallestLimit reads file in mount/cgroup and each of its parents; found reports whether any of
// them exists at all (a hierarchy that is not mounted has none).
func smallestLimit(root fs.FS, mount, cgroup, file string) (limit int64, found bool) {
	dir := path.Clean("/" + cgroup)
	for {
		data, err := fs.ReadFile(root, path.Join(mount, dir, file))
		if err == nil {
			found = true
			if v := parseLimit(string(data)); v > 0 && (limit == 0 || v < limit) {
				limit = v
			}
		}
		if dir == "/" {
			return limit, found
		}
		dir = path.Dir(dir)
	}
}

// parseLimit reads a cgroup memory limit; "max", an unreadable value or cgroup v1's "unlimited"
// give 0.
func parseLimit(s string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v <= 0 || v >= unlimitedV1 {
		return 0
	}
	return v
}
