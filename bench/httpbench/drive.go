package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// target is one request to one server, and the exact response body it
// must answer.
type target struct {
	url  string // the GraphQL endpoint
	body []byte // the request body
	// want is the expected response body; nil accepts any 200 answer.
	want []byte
}

// load bounds one measured run: it stops after requests requests or
// after duration, whichever comes first (a zero bound does not bound).
type load struct {
	concurrency int
	requests    int
	duration    time.Duration
	// latencies asks for every request's latency.
	latencies bool
}

// result is what one run measured.
type result struct {
	// requests is how many requests completed, each answered as wanted.
	requests int
	// elapsed runs from the first request's start to the last one's end.
	elapsed   time.Duration
	latencies []time.Duration
}

// rate is completed requests per second.
func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// newClient returns the HTTP client of the load generator: keep-alive
// connections, enough idle ones per server for every worker, and no
// compression (neither server compresses; the client would still ask).
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: max(concurrency, 2),
			IdleConnTimeout:     5 * time.Minute,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		Timeout: 10 * time.Minute,
	}
}

// drive sends t's request from l.concurrency workers, each waiting for
// its answer before sending the next, until a bound of l is reached. Any
// failed request (transport error, status other than 200, a body other
// than t.want) stops the run and is returned.
func drive(ctx context.Context, client *http.Client, t target, l load) (result, error) {
	if l.concurrency < 1 {
		return result{}, errors.New("concurrency must be at least 1")
	}
	if l.requests <= 0 && l.duration <= 0 {
		return result{}, errors.New("a run needs a request count or a duration")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		issued, done atomic.Int64
		wg           sync.WaitGroup
		mu           sync.Mutex
		latencies    []time.Duration
	)
	start := time.Now()
	var deadline time.Time
	if l.duration > 0 {
		deadline = start.Add(l.duration)
	}
	for range l.concurrency {
		wg.Go(func() {
			var (
				buf  bytes.Buffer
				mine []time.Duration
			)
			for ctx.Err() == nil {
				if l.requests > 0 && issued.Add(1) > int64(l.requests) {
					break
				}
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					break
				}
				began := time.Now()
				if err := t.do(ctx, client, &buf); err != nil {
					cancel(err)
					break
				}
				took := time.Since(began)
				done.Add(1)
				if l.latencies {
					mine = append(mine, took)
				}
			}
			if l.latencies {
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r := result{requests: int(done.Load()), elapsed: time.Since(start), latencies: latencies}
	if err := context.Cause(ctx); err != nil {
		return r, err
	}
	return r, nil
}

// do sends one request and checks its answer; buf holds the body read.
func (t target) do(ctx context.Context, client *http.Client, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", t.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %.300s", t.url, resp.Status, buf.Bytes())
	}
	if t.want != nil && !bytes.Equal(buf.Bytes(), t.want) {
		return fmt.Errorf("%s: the answer changed: %d bytes, first byte of difference at %d, was %d bytes: %.300s",
			t.url, buf.Len(), firstDifference(buf.Bytes(), t.want), len(t.want), buf.Bytes())
	}
	return nil
}

// firstDifference is the offset of the first byte where a and b differ.
func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
