package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/otehub/hub/bench/internal/hubclient"
	"github.com/otehub/hub/internal/subscribetest"
)

// deliveries counts, per version of the node the subscribers follow,
// how many subscribers have received its event, and lets the sender
// wait until all have.
type deliveries struct {
	n int // subscribers

	mu      sync.Mutex
	counts  map[int64]int
	started int // subscribers that have received any event
	changed chan struct{}
	err     error // the first subscriber's failure
}

func newDeliveries(n int) *deliveries {
	return &deliveries{n: n, counts: map[int64]int{}, changed: make(chan struct{})}
}

func (d *deliveries) update(f func()) {
	d.mu.Lock()
	f()
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

// fail records a subscriber's failure, the first one only.
func (d *deliveries) fail(err error) {
	d.update(func() {
		if d.err == nil {
			d.err = err
		}
	})
}

// wait waits until cond holds (checked under the lock) and reports
// whether it did within the time given; it fails when a subscriber has
// failed or ctx ends.
func (d *deliveries) wait(ctx context.Context, within time.Duration, cond func() bool) (bool, error) {
	deadline := time.After(within)
	for {
		d.mu.Lock()
		ok, err, changed := cond(), d.err, d.changed
		d.mu.Unlock()
		switch {
		case err != nil:
			return false, err
		case ok:
			return true, nil
		}
		select {
		case <-changed:
		case <-deadline:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// count returns how many subscribers have received version v, and how
// many have received any event.
func (d *deliveries) count(v int64) (got, started int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.counts[v], d.started
}

// waitAll waits until every subscriber has received version v, for at
// most a minute.
func (d *deliveries) waitAll(ctx context.Context, v int64) error {
	ok, err := d.wait(ctx, time.Minute, func() bool { return d.counts[v] == d.n })
	if err == nil && !ok {
		got, _ := d.count(v)
		err = fmt.Errorf("only %d of %d subscribers received version %d within a minute", got, d.n, v)
	}
	return err
}

// subscriber is one subscription and when it received each version.
type subscriber struct {
	stream subscribetest.Stream
	close  func()
	mu     sync.Mutex
	got    map[int64]time.Time
}

// receivedAt returns when the subscriber received version v.
func (s *subscriber) receivedAt(v int64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[v]
}

// read records when each event of the node id arrives, until the
// stream ends; an end before ctx's, an error or an event of another
// node is a failure.
func (s *subscriber) read(ctx context.Context, id string, d *deliveries) {
	first := true
	for {
		r, err := s.stream.Next(ctx)
		at := time.Now()
		if err != nil {
			if ctx.Err() == nil {
				d.fail(fmt.Errorf("a subscriber's stream ended: %w", err))
			}
			return
		}
		var ev struct {
			Changes struct {
				ID      string
				Version int64
			}
		}
		if len(r.Errors) > 0 {
			err = fmt.Errorf("%s: %s", r.Errors[0].Code(), r.Errors[0].Message)
		}
		if err == nil {
			err = json.Unmarshal(r.Data, &ev)
		}
		if err == nil && ev.Changes.ID != id {
			err = fmt.Errorf("an event of %s, not of %s", ev.Changes.ID, id)
		}
		if err != nil {
			d.fail(fmt.Errorf("a subscriber: %w", err))
			return
		}
		s.mu.Lock()
		s.got[ev.Changes.Version] = at
		s.mu.Unlock()
		d.update(func() {
			d.counts[ev.Changes.Version]++
			if first {
				d.started++
			}
		})
		first = false
	}
}

// subscribe opens n subscriptions to the changes of node id at the
// GraphQL endpoint url over transport, each on its own connection, and
// starts reading them. stop closes them.
func subscribe(ctx context.Context, transport, url, id string, n int) ([]*subscriber, *deliveries, func(), error) {
	req := subscribetest.Request{Query: fmt.Sprintf(`subscription { changes(kinds: [Organisation], ids: [%q]) { op id version at node { ... on Entity { name } } } }`, id)}
	rctx, cancel := context.WithCancel(ctx)
	var (
		wg   sync.WaitGroup
		subs []*subscriber
	)
	stop := func() {
		cancel()
		for _, s := range subs {
			s.close()
		}
		wg.Wait()
	}
	d := newDeliveries(n)
	for i := range n {
		s := &subscriber{got: map[int64]time.Time{}}
		var err error
		switch transport {
		case "ws":
			var ws *subscribetest.WebSocket
			if ws, _, err = subscribetest.DialWebSocket(ctx, url, nil); err != nil {
				break
			}
			if s.stream, err = ws.Subscribe(ctx, "changes", req); err != nil {
				ws.Close()
				break
			}
			s.close = ws.Close
		case "sse":
			es, resp, perr := subscribetest.PostEventStream(ctx, url, req, nil)
			if err = perr; err == nil && es == nil {
				err = fmt.Errorf("answered %s, not an event stream", resp.Status)
			}
			if err == nil {
				s.stream, s.close = es, es.Close
			}
		default:
			err = fmt.Errorf("unknown transport %q", transport)
		}
		if err != nil {
			stop()
			return nil, nil, nil, fmt.Errorf("subscriber %d of %d over %s: %w", i+1, n, transport, err)
		}
		subs = append(subs, s)
		wg.Go(func() { s.read(rctx, id, d) })
	}
	return subs, d, stop, nil
}

// fanResult is what one fan-out run measured: per delivery, the time
// from the mutation's acknowledgement and from its sending to the
// subscriber's receipt (negative from the acknowledgement when the
// event came first); and each mutation's own latency.
type fanResult struct {
	fromAck, fromSend []time.Duration
	mutations         []time.Duration
	// ready is how long opening the subscriptions and seeing each of
	// them receive an event took.
	ready time.Duration
}

// fanOut opens n subscribers of node id on subURL over transport, makes
// sure each receives events (updating the node through w until every
// subscriber has had one), then updates the node events times, one at
// a time, each once every subscriber has received the previous one. It
// returns the node's version after the run.
func fanOut(ctx context.Context, w *hubclient.Writer, subURL, transport, id string, version int64, n, events int) (fanResult, int64, error) {
	var res fanResult
	began := time.Now()
	subs, d, stop, err := subscribe(ctx, transport, subURL, id, n)
	if err != nil {
		return res, version, err
	}
	defer stop()
	// The hub has opened a subscription once an event reaches it:
	// update until every subscriber has received one, then until every
	// one has received the last of those updates, so that none is in
	// flight when the measured ones start.
	primeUntil := time.Now().Add(2 * time.Minute)
	for {
		v, err := w.Update(ctx, id, version, fmt.Sprintf("Levitystesti %d", version+1))
		if err != nil {
			return res, version, fmt.Errorf("priming update: %w", err)
		}
		version = v
		ok, err := d.wait(ctx, 250*time.Millisecond, func() bool { return d.started == n })
		if err != nil {
			return res, version, err
		}
		if ok {
			break
		}
		if time.Now().After(primeUntil) {
			_, started := d.count(0)
			return res, version, fmt.Errorf("after 2 minutes of updates only %d of %d subscribers have received an event", started, n)
		}
	}
	if err := d.waitAll(ctx, version); err != nil {
		return res, version, err
	}
	res.ready = time.Since(began)

	for range events {
		sent := time.Now()
		v, err := w.Update(ctx, id, version, fmt.Sprintf("Levitystesti %d", version+1))
		acked := time.Now()
		if err != nil {
			return res, version, err
		}
		version = v
		res.mutations = append(res.mutations, acked.Sub(sent))
		if err := d.waitAll(ctx, v); err != nil {
			return res, version, err
		}
		for _, s := range subs {
			at := s.receivedAt(v)
			res.fromAck = append(res.fromAck, at.Sub(acked))
			res.fromSend = append(res.fromSend, at.Sub(sent))
		}
	}
	return res, version, nil
}
