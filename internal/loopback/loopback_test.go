package loopback

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestReservePort(t *testing.T) {
	low, high := reservedRange()
	seen := map[int]bool{}
	for range 50 {
		port, err := ReservePort()
		if err != nil {
			t.Fatal(err)
		}
		if port < low || port >= high {
			t.Errorf("port %d is outside the reserved range %d-%d", port, low, high-1)
		}
		if seen[port] {
			t.Errorf("port %d reserved twice", port)
		}
		seen[port] = true
	}
	for port := range seen {
		// Another process's attempt: a lock of its own on the port's file.
		f, err := os.Open(filepath.Join(os.TempDir(), "hub-test-ports", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			t.Errorf("port %d's lock file could be locked again while reserved", port)
		}
		f.Close()
		// The port is free to listen on: the reservation holds no socket.
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Errorf("port %d cannot be listened on: %v", port, err)
			continue
		}
		l.Close()
	}
}

func TestReservedRangeAvoidsEphemeralPorts(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Skip("no /proc/sys/net/ipv4/ip_local_port_range:", err)
	}
	var ephLow, ephHigh int
	if _, err := fmt.Sscan(string(b), &ephLow, &ephHigh); err != nil {
		t.Fatal(err)
	}
	low, high := reservedRange()
	if high-1 >= ephLow && low <= ephHigh {
		t.Errorf("reserved range %d-%d overlaps the ephemeral range %d-%d", low, high-1, ephLow, ephHigh)
	}
}
