// Package loopback reserves loopback TCP ports for test servers that
// stop and start again on the same port.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Reserved ports lie below the kernel's ephemeral range, from which it
// takes the source port of every outgoing connection and the port of
// every listener on port 0. A server stopped by a fault test leaves its
// port free until it restarts; were the port ephemeral, a connection or
// another test's listener could take it meanwhile, and the restart would
// find a stranger answering on it.
const reservedLow = 10000

// reservedRange is [reservedLow, the ephemeral range's first port), or
// the ports above the ephemeral range when too few lie below it.
func reservedRange() (low, high int) {
	ephemeralLow, ephemeralHigh := 32768, 60999 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			l, err1 := strconv.Atoi(f[0])
			h, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil {
				ephemeralLow, ephemeralHigh = l, h
			}
		}
	}
	if ephemeralLow-reservedLow >= 1000 {
		return reservedLow, ephemeralLow
	}
	return ephemeralHigh + 1, 65536
}

// ports holds this process's reservations: the port numbers it took and
// the lock files that keep other processes off them until it exits.
var ports struct {
	sync.Mutex
	taken map[int]*os.File
}

// ReservePort reserves a loopback port in the reserved range that no other
// test process holds (a lock file per port in the temporary directory)
// and nothing listens on. The reservation lasts as long as this process:
// a stopped server's port must stay its own until it restarts.
func ReservePort() (int, error) {
	dir := filepath.Join(os.TempDir(), "hub-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, err
	}
	ports.Lock()
	defer ports.Unlock()
	if ports.taken == nil {
		ports.taken = map[int]*os.File{}
	}
	low, high := reservedRange()
	for range 200 {
		port := low + rand.IntN(high-low)
		if ports.taken[port] != nil {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return 0, err
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close()
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			f.Close()
			continue
		}
		l.Close()
		ports.taken[port] = f
		return port, nil
	}
	return 0, fmt.Errorf("loopback: no free port in %d-%d", low, high-1)
}
