package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otehub/hub/bench/internal/hubclient"
)

// writeResult is what one write run measured.
type writeResult struct {
	creates, updates []time.Duration
	elapsed          time.Duration
}

func (r writeResult) mutations() int { return len(r.creates) + len(r.updates) }

// writeLoad runs clients writers against w until duration has passed or
// requests mutations were sent (a zero bound does not bound). Each
// writer creates a node (keys prefix-client-i), then updates it naming
// version 1, and again. Any failed mutation stops the run and is
// returned.
func writeLoad(ctx context.Context, w *hubclient.Writer, prefix string, clients int, duration time.Duration, requests int) (writeResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		issued atomic.Int64
		mu     sync.Mutex
		res    writeResult
		wg     sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			var creates, updates []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				if requests > 0 && issued.Add(2) > int64(requests) {
					break
				}
				if duration > 0 && time.Since(start) >= duration {
					break
				}
				t0 := time.Now()
				id, v, err := w.Create(ctx, fmt.Sprintf("%s-%d-%d", prefix, c, i))
				if err == nil && v != 1 {
					err = fmt.Errorf("createNode answered version %d", v)
				}
				if err != nil {
					cancel(fmt.Errorf("createNode: %w", err))
					break
				}
				t1 := time.Now()
				creates = append(creates, t1.Sub(t0))
				if _, err := w.Update(ctx, id, v, fmt.Sprintf("Kirjoitustesti %s-%d-%d päivitetty", prefix, c, i)); err != nil {
					cancel(fmt.Errorf("updateNode: %w", err))
					break
				}
				updates = append(updates, time.Since(t1))
			}
			mu.Lock()
			res.creates = append(res.creates, creates...)
			res.updates = append(res.updates, updates...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, context.Cause(ctx)
}
