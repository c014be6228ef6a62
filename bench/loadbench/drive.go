package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otehub/hub/bench/internal/hubclient"
)

// codeDropped counts the open loop's requests not sent because the
// client already had -max-inflight requests waiting for answers.
const codeDropped = "DROPPED"

// weights are the read classes' shares of the mix.
type weights map[string]int

// pick returns a class with probability proportional to its weight.
func (w weights) pick(r *rand.Rand) string {
	total := 0
	for _, c := range readClasses {
		total += w[c]
	}
	n := r.IntN(total)
	for _, c := range readClasses {
		if n < w[c] {
			return c
		}
		n -= w[c]
	}
	return readClasses[len(readClasses)-1]
}

// driver sends the mix to the hubs at bases, round robin, and records
// each request in its class's recorder.
type driver struct {
	client  *http.Client
	bases   []string
	mix     *mix
	weights weights
	timeout time.Duration // of one request
	next    atomic.Uint64 // the round robin
	// rec holds a recorder per read class; recording is off (nil map
	// entries are not used) during the warm-up.
	rec map[string]*recorder
}

func (d *driver) base() string { return d.bases[d.next.Add(1)%uint64(len(d.bases))] }

// one sends one request of a class picked with r; its latency runs
// from since (the time it was due) to its answer. A request is not cut
// when the window ends (the loops stop sending then and wait for the
// answers), else the slowest requests would go uncounted.
func (d *driver) one(ctx context.Context, r *rand.Rand, since time.Time, rec map[string]*recorder) {
	class := d.weights.pick(r)
	req := d.mix.next(class, r)
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	err := req(rctx, d.client, d.base())
	cancel()
	took := time.Since(since)
	if rec == nil || ctx.Err() != nil {
		return // the warm-up, or the whole run interrupted
	}
	if err != nil {
		rec[class].failure(hubclient.CodeOf(err))
		return
	}
	rec[class].success(took)
}

// closedLoop runs clients workers until window ends, each sending its
// next request (within ctx) when the previous one is answered.
func (d *driver) closedLoop(ctx, window context.Context, clients int, rec map[string]*recorder) {
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for window.Err() == nil {
				d.one(ctx, r, time.Now(), rec)
			}
		})
	}
	wg.Wait()
}

// openLoop sends rate requests a second, evenly spaced, until window
// ends (each within ctx),
// whatever the answers' latency: each request's latency runs from the
// time it was due, so that a slow hub is charged for the requests that
// queue behind (no coordinated omission). At most maxInFlight wait for
// answers; a request due beyond is counted DROPPED in its class.
func (d *driver) openLoop(ctx, window context.Context, rate float64, maxInFlight int, rec map[string]*recorder) {
	interval := time.Duration(float64(time.Second) / rate)
	var (
		wg       sync.WaitGroup
		inFlight atomic.Int64
	)
	r := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-window.Done():
			case <-time.After(wait):
			}
		}
		if window.Err() != nil {
			break
		}
		if inFlight.Load() >= int64(maxInFlight) {
			if rec != nil {
				rec[d.weights.pick(r)].failure(codeDropped)
			}
			continue
		}
		inFlight.Add(1)
		seed := r.Uint64()
		wg.Go(func() {
			defer inFlight.Add(-1)
			d.one(ctx, rand.New(rand.NewPCG(seed, 0)), due, rec)
		})
	}
	wg.Wait()
}
