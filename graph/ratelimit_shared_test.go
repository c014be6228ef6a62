package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// memCounters are shared counters in memory, as the ratelimits
// collection holds them; down makes every call fail.
type memCounters struct {
	mu    sync.Mutex
	n     map[string]int64
	down  bool
	calls int
}

func (c *memCounters) ShareCounts(_ context.Context, add map[string]int64, read []string, _ time.Time) (map[string]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.down {
		return nil, errors.New("database unreachable")
	}
	if c.n == nil {
		c.n = map[string]int64{}
	}
	for id, n := range add {
		c.n[id] += n
	}
	out := map[string]int64{}
	for _, id := range read {
		if n, ok := c.n[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// cluster is n rate limiters on one set of counters, driven in
// simulated time: a request every step, sent to the instances in turn,
// and a sync of every instance every interval.
type cluster struct {
	limiters []*rateLimiter
	counters *memCounters
}

func newCluster(n int, r Rate) *cluster {
	c := &cluster{counters: &memCounters{}}
	for range n {
		c.limiters = append(c.limiters, newRateLimiter(RateLimits{Key: r, Shared: c.counters}, slog.New(slog.DiscardHandler)))
	}
	return c
}

// run sends a request of one client every step for d from start, round
// robin, and returns how many were admitted.
func (c *cluster) run(t *testing.T, client string, start time.Time, d, step, interval time.Duration) int {
	t.Helper()
	admitted := 0
	nextSync := start.Add(interval)
	for i, now := 0, start; now.Before(start.Add(d)); i, now = i+1, now.Add(step) {
		for !nextSync.After(now) {
			for _, l := range c.limiters {
				// The instances sync one after the other, as they would
				// at their own ticks.
				if _, err := l.sync(t.Context(), nextSync); err != nil && !c.counters.down {
					t.Fatal(err)
				}
			}
			nextSync = nextSync.Add(interval)
		}
		if c.limiters[i%len(c.limiters)].keys.take(client, 1, now) == 0 {
			admitted++
		}
	}
	return admitted
}

func TestRateLimitsSharedAcrossInstances(t *testing.T) {
	const (
		perSecond = 20.0
		burst     = 20
		instances = 3
		interval  = 200 * time.Millisecond
		d         = 30 * time.Second
		step      = 5 * time.Millisecond // 200 requests a second, ten times the rate
	)
	r := Rate{PerSecond: perSecond, Burst: burst}
	start := time.Unix(1_700_000_003, 0) // not on a window's start
	allowed := perSecond*d.Seconds() + burst
	// What other instances admit before this one hears of it: at most
	// a burst and two intervals' refill each (docs/security.md).
	overshoot := (instances - 1) * (burst + perSecond*2*interval.Seconds())

	t.Run("a client spread over three instances gets one limit, not three", func(t *testing.T) {
		c := newCluster(instances, r)
		got := float64(c.run(t, "partner", start, d, step, interval))
		t.Logf("admitted %.0f in %v; one instance's limit is %.0f, the bound %.0f, three unshared limits %.0f", got, d, allowed, allowed+overshoot, instances*allowed)
		if got > allowed+overshoot {
			t.Errorf("admitted %.0f, more than %.0f + the overshoot %.0f", got, allowed, overshoot)
		}
		// Shared, not divided: the client gets about the whole rate.
		if got < 0.9*allowed {
			t.Errorf("admitted %.0f, less than 90%% of %.0f", got, allowed)
		}
	})

	t.Run("without sharing each instance admits its own limit", func(t *testing.T) {
		c := &cluster{counters: &memCounters{}}
		for range instances {
			c.limiters = append(c.limiters, newRateLimiter(RateLimits{Key: r}, slog.New(slog.DiscardHandler)))
		}
		got := float64(c.run(t, "partner", start, d, step, interval))
		if got < float64(instances)*perSecond*d.Seconds() {
			t.Errorf("admitted %.0f unshared, want about %.0f (the test would not tell sharing from not)", got, instances*allowed)
		}
	})

	t.Run("a client that comes to a second instance after using its rate on the first is not let through twice", func(t *testing.T) {
		c := newCluster(2, r)
		a, b := &cluster{limiters: c.limiters[:1], counters: c.counters}, c
		first := a.run(t, "partner", start, 10*time.Second, step, interval)
		// Both instances now send requests; b meets the client for the
		// first time and must count what a admitted in the windows
		// it reads.
		second := float64(b.run(t, "partner", start.Add(10*time.Second), 10*time.Second, step, interval))
		t.Logf("admitted %d on one instance, then %.0f on two", first, second)
		if limit := perSecond*10 + burst + (burst + perSecond*2*interval.Seconds()); second > limit {
			t.Errorf("admitted %.0f in the second 10 s, more than %.0f", second, limit)
		}
	})

	t.Run("with the counters unreachable each instance limits alone and nothing is refused outright", func(t *testing.T) {
		c := newCluster(instances, r)
		c.counters.down = true
		got := float64(c.run(t, "partner", start, 10*time.Second, step, interval))
		if want := float64(instances) * perSecond * 10; got < want {
			t.Errorf("admitted %.0f with the counters down, want each instance's own limit, about %.0f", got, want)
		}
		// Back: what was taken meanwhile is added, and the limit is
		// shared again.
		c.counters.down = false
		got = float64(c.run(t, "partner", start.Add(10*time.Second), 10*time.Second, step, interval))
		if limit := perSecond*10 + burst + overshoot; got > limit {
			t.Errorf("admitted %.0f after the counters came back, more than %.0f", got, limit)
		}
	})

	t.Run("the counters name clients by a hash, never by address or subject", func(t *testing.T) {
		c := &memCounters{}
		l := newRateLimiter(RateLimits{Anonymous: r, Key: r, Shared: c}, slog.New(slog.DiscardHandler))
		now := time.Unix(1_700_000_000, 0)
		l.anonymous.take("192.0.2.77", 1, now)
		l.keys.take("toimittaja@example.org", 1, now)
		if _, err := l.sync(t.Context(), now.Add(interval)); err != nil {
			t.Fatal(err)
		}
		if len(c.n) != 2 {
			t.Fatalf("counters %v, want one per client", c.n)
		}
		for id := range c.n {
			for _, leak := range []string{"192.0.2", "toimittaja", "example"} {
				if strings.Contains(id, leak) {
					t.Errorf("counter %q holds %q", id, leak)
				}
			}
		}
	})

	t.Run("an idle instance does not call the database", func(t *testing.T) {
		c := &memCounters{}
		l := newRateLimiter(RateLimits{Key: r, Shared: c}, slog.New(slog.DiscardHandler))
		now := time.Unix(1_700_000_000, 0)
		l.keys.take("partner", 1, now)
		asked := 0
		for i := range 200 {
			a, err := l.sync(t.Context(), now.Add(time.Duration(i)*interval))
			if err != nil {
				t.Fatal(err)
			}
			if a {
				asked++
			}
		}
		// A sync says whether it asked the counters: a sync that asked
		// nothing must not pass for counters that answered.
		if asked != c.calls {
			t.Errorf("%d syncs say they asked the counters, which were called %d times", asked, c.calls)
		}
		// Synced while the client was seen in the current or previous
		// window, at most 2 × RateWindow / interval times.
		if max := int(2 * RateWindow / interval); c.calls > max {
			t.Errorf("%d calls in %v of idleness, want at most %d", c.calls, 200*interval, max)
		}
	})
}
