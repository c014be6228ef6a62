package main

import (
	"runtime/debug"
	"strconv"
	"strings"
)

// The hub lets its heap grow to five times the index before collecting
// (defaultGCPercent), and a large network's dashboards allocate hundreds
// of megabytes per request: in a container that caps memory, the heap
// would pass the cap long before the collector's target. So, unless
// GOMEMLIMIT says otherwise, the runtime's soft memory limit is set to a
// share of the container's limit, where the collector works harder
// instead of the process being killed (see docs/operations.md).

// containerMemoryShare is the share of the container's memory limit given
// to the Go runtime; the rest is for what the runtime does not count
// (thread stacks outside the heap, the binary's mapped pages).
const containerMemoryShare = 0.8

// cgroupLimitFiles are where cgroup v2 and v1 give the memory limit.
var cgroupLimitFiles = []string{
	"/sys/fs/cgroup/memory.max",
	"/sys/fs/cgroup/memory/memory.limit_in_bytes",
}

// containerMemoryLimit returns the memory limit of the process's cgroup,
// in bytes, read with readFile, and whether there is one. cgroup v2 says
// "max" for none, v1 a number near the largest int64.
func containerMemoryLimit(readFile func(string) ([]byte, error)) (int64, bool) {
	for _, f := range cgroupLimitFiles {
		b, err := readFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<62 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// setMemoryLimit gives the runtime a soft memory limit of
// containerMemoryShare of the container's, unless GOMEMLIMIT is set or
// there is no container limit. It returns the limit set (0: none).
func setMemoryLimit(getenv func(string) string, readFile func(string) ([]byte, error)) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit, ok := containerMemoryLimit(readFile)
	if !ok {
		return 0
	}
	soft := int64(float64(limit) * containerMemoryShare)
	debug.SetMemoryLimit(soft)
	return soft
}
