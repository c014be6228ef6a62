package main

import (
	"errors"
	"io/fs"
	"runtime/debug"
	"testing"
)

func TestContainerMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  int64
		ok    bool
	}{
		{"no cgroup files", nil, 0, false},
		{"cgroup v2 without a limit", map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, 0, false},
		{"cgroup v2 with a limit", map[string]string{"/sys/fs/cgroup/memory.max": "536870912\n"}, 512 << 20, true},
		{"cgroup v1 with a limit", map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n"}, 1 << 30, true},
		{"cgroup v1 without a limit", map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, false},
		{"garbage", map[string]string{"/sys/fs/cgroup/memory.max": "lots"}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) ([]byte, error) {
				if s, ok := tc.files[name]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			}
			got, ok := containerMemoryLimit(read)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	limited := func(string) ([]byte, error) { return []byte("1000000000"), nil }
	none := func(string) ([]byte, error) { return nil, errors.New("no cgroup") }

	if got := setMemoryLimit(func(string) string { return "300MiB" }, limited); got != 0 || debug.SetMemoryLimit(-1) != before {
		t.Errorf("GOMEMLIMIT set: the hub set %d", got)
	}
	if got := setMemoryLimit(func(string) string { return "" }, none); got != 0 || debug.SetMemoryLimit(-1) != before {
		t.Errorf("no container limit: the hub set %d", got)
	}
	if got := setMemoryLimit(func(string) string { return "" }, limited); got != 800000000 || debug.SetMemoryLimit(-1) != 800000000 {
		t.Errorf("a 1 GB container: the hub set %d, the runtime has %d; want 800000000", got, debug.SetMemoryLimit(-1))
	}
}
