package graph

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

func TestRateBucketsStayBounded(t *testing.T) {
	t.Run("an attacker rotating addresses never holds more than MaxClients buckets", func(t *testing.T) {
		const limit = 1000
		l := newRateLimiter(RateLimits{Anonymous: Rate{PerSecond: 1, Burst: 10}, MaxClients: limit}, slog.New(slog.DiscardHandler))
		h := l.guard(nopHandler{})
		for i := range 20 * limit {
			r := httptest.NewRequest("GET", "/export/network.json", nil)
			r.RemoteAddr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String() + ":1"
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
		if n := l.anonymous.len(); n > limit {
			t.Errorf("%d buckets, more than %d", n, limit)
		}
	})

	t.Run("a bucket unused long enough to fill again is dropped for a new one", func(t *testing.T) {
		b := newBuckets(Rate{PerSecond: 10, Burst: 10}, 100)
		now := time.Unix(1_700_000_000, 0)
		b.take("a", 1, now)
		b.take("b", 1, now.Add(500*time.Millisecond))
		b.take("c", 1, now.Add(1001*time.Millisecond)) // a is full again, b is not
		if _, ok := b.byKey["a"]; ok || b.len() != 2 {
			t.Errorf("buckets %v", b.byKey)
		}
	})

	t.Run("at the bound the least recently used bucket goes, so the client it was comes back with a full one", func(t *testing.T) {
		b := newBuckets(Rate{PerSecond: 0.01, Burst: 1}, 2)
		now := time.Unix(1_700_000_000, 0)
		b.take("a", 1, now)
		b.take("b", 1, now)
		if b.take("a", 1, now) == 0 {
			t.Fatal("a was not limited")
		}
		b.take("c", 1, now) // b is the least recently used
		if _, ok := b.byKey["b"]; ok || b.len() != 2 {
			t.Errorf("buckets %v", b.byKey)
		}
		if b.take("a", 1, now) == 0 {
			t.Error("a's bucket was dropped, not b's")
		}
	})

	for _, shared := range []bool{false, true} {
		bucketBytes(t, shared)
	}
}

// bucketBytes measures the heap a bucket takes, shared or not: about
// 250 bytes alone, about 400 shared (its counters' id and windows).
func bucketBytes(t *testing.T, shared bool) {
	name, most := "a bucket takes about 250 bytes", int64(400)
	if shared {
		name, most = "a shared bucket takes about 400 bytes", 550
	}
	t.Run(name, func(t *testing.T) {
		const n = 20000
		b := newBuckets(Rate{PerSecond: 1, Burst: 10}, n)
		if shared {
			b.kind = "address"
		}
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("2001:db8:%x:%x::/64", i>>16, i&0xffff)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		now := time.Now()
		for _, k := range keys {
			b.take(k, 1, now)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
		t.Logf("%d bytes a bucket (keys of %d bytes)", per, len(keys[0]))
		if per > most {
			t.Errorf("%d bytes a bucket", per)
		}
		runtime.KeepAlive(b)
	})
}

type nopHandler struct{}

func (nopHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {}
