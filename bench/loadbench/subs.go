package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/otehub/hub/bench/internal/hubclient"
	"github.com/otehub/hub/internal/subscribetest"
)

// subscriptionQuery follows every organisation's changes: the writes
// below create and update organisations; other events (another
// client's writes) are not counted.
const subscriptionQuery = `subscription Load { changes(kinds: [Organisation]) { op id version at } }`

// version names one write: a node at a version.
type version struct {
	id string
	v  int64
}

// arrival is when an event reached a subscriber, and the commit time
// it carries (its at).
type arrival struct {
	at, committed time.Time
}

// trickle writes rate mutations a second through the hubs in turn and
// keeps when each was acknowledged; subscribers record when each write's
// event reaches them.
type trickle struct {
	writers []*hubclient.Writer
	prefix  string // of the keys of the nodes written
	rate    float64
	timeout time.Duration

	mu    sync.Mutex
	nodes []version             // the nodes written, at their last version
	acked map[version]time.Time // measured writes: when acknowledged
	n     int                   // writes sent, for keys and the round robin
	// measuring is set while the writes are measured.
	measuring bool
	rec       *recorder
}

// write sends one mutation: a create until there are ten nodes, then an
// update of one of them, so that a run's writes touch a handful of
// nodes as editors do. It returns what was written.
func (t *trickle) write(ctx context.Context, r *rand.Rand) (version, error) {
	t.mu.Lock()
	n := t.n
	t.n++
	w := t.writers[n%len(t.writers)]
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	if len(t.nodes) < 10 {
		id, v, err := w.Create(ctx, fmt.Sprintf("%s-%d", t.prefix, n))
		if err != nil {
			return version{}, err
		}
		t.nodes = append(t.nodes, version{id, v})
		return version{id, v}, nil
	}
	i := r.IntN(len(t.nodes))
	cur := t.nodes[i]
	v, err := w.Update(ctx, cur.id, cur.v, fmt.Sprintf("Kuormatesti %s-%d", t.prefix, n))
	if err != nil {
		return version{}, err
	}
	t.nodes[i].v = v
	return version{cur.id, v}, nil
}

// run writes until ctx ends, one write at a time (a write later than
// its slot delays the next: the trickle is light by design), recording
// the writes made while measuring.
func (t *trickle) run(ctx context.Context) {
	if t.rate <= 0 {
		return
	}
	interval := time.Duration(float64(time.Second) / t.rate)
	r := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		next = next.Add(interval)
		began := time.Now()
		w, err := t.write(ctx, r)
		ackedAt := time.Now()
		if ctx.Err() != nil {
			return
		}
		t.mu.Lock()
		if t.measuring {
			if err != nil {
				t.rec.failure(hubclient.CodeOf(err))
			} else {
				t.rec.success(ackedAt.Sub(began))
				t.acked[w] = ackedAt
			}
		}
		t.mu.Unlock()
	}
}

// measure turns the recording of writes on or off.
func (t *trickle) measure(on bool) {
	t.mu.Lock()
	t.measuring = on
	t.mu.Unlock()
}

// written returns the measured writes and when each was acknowledged.
func (t *trickle) written() map[version]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[version]time.Time, len(t.acked))
	for k, v := range t.acked {
		out[k] = v
	}
	return out
}

// subscriber is one WebSocket subscription and what reached it.
type subscriber struct {
	ws *subscribetest.WebSocket

	mu      sync.Mutex
	got     map[version]arrival
	err     error // how the stream failed, if it did
	changed chan struct{}
}

// read records each event until the stream ends; an end before ctx's is
// the subscriber's failure.
func (s *subscriber) read(ctx context.Context, stream subscribetest.Stream) {
	for {
		resp, err := stream.Next(ctx)
		now := time.Now()
		if err == nil && len(resp.Errors) > 0 {
			err = &hubclient.Error{Code: resp.Errors[0].Code(), Err: errors.New(resp.Errors[0].Message)}
		}
		var ev struct {
			Changes struct {
				ID      string
				Version int64
				At      time.Time
			}
		}
		if err == nil {
			if jerr := json.Unmarshal(resp.Data, &ev); jerr != nil {
				err = &hubclient.Error{Code: hubclient.CodeBadResponse, Err: jerr}
			}
		}
		s.mu.Lock()
		if err != nil && ctx.Err() == nil {
			s.err = err
		}
		if err == nil {
			s.got[version{ev.Changes.ID, ev.Changes.Version}] = arrival{at: now, committed: ev.Changes.At}
		}
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// has reports whether w's event has reached s, and how s failed if it
// did, with a channel closed at s's next event.
func (s *subscriber) has(w version) (bool, error, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.got[w]
	return ok, s.err, s.changed
}

// subscribers are the open subscriptions of a run.
type subscribers struct {
	subs   []*subscriber
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// subscribe opens n subscriptions over WebSocket, one connection each,
// to the hubs at bases in turn.
func subscribe(ctx context.Context, bases []string, n int) (*subscribers, error) {
	rctx, cancel := context.WithCancel(ctx)
	all := &subscribers{cancel: cancel}
	for i := range n {
		ws, _, err := subscribetest.DialWebSocket(ctx, bases[i%len(bases)]+"/graphql", nil)
		if err != nil {
			all.close()
			return nil, fmt.Errorf("subscriber %d of %d: %w", i+1, n, err)
		}
		stream, err := ws.Subscribe(ctx, "load", subscribetest.Request{Query: subscriptionQuery})
		if err != nil {
			ws.Close()
			all.close()
			return nil, fmt.Errorf("subscriber %d of %d: %w", i+1, n, err)
		}
		s := &subscriber{ws: ws, got: map[version]arrival{}, changed: make(chan struct{})}
		all.subs = append(all.subs, s)
		all.wg.Go(func() { s.read(rctx, stream) })
	}
	return all, nil
}

func (a *subscribers) close() {
	a.cancel()
	for _, s := range a.subs {
		s.ws.Close()
	}
	a.wg.Wait()
}

// waitFor waits until every subscriber has received each of writes,
// and reports whether they did within the time given; a subscriber's
// failure fails it.
func (a *subscribers) waitFor(ctx context.Context, writes []version, within time.Duration) (bool, error) {
	deadline := time.After(within)
	for _, s := range a.subs {
		for _, w := range writes {
			for {
				ok, err, changed := s.has(w)
				if err != nil {
					return false, err
				}
				if ok {
					break
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
	}
	return true, nil
}

// Deliveries is what the subscribers received of the measured writes.
type Deliveries struct {
	Subscribers int `json:"subscribers"`
	// Writes is the measured writes acknowledged; Expected is writes ×
	// subscribers, Delivered how many of those events arrived, Missing
	// the rest.
	Writes    int `json:"writes"`
	Expected  int `json:"expected"`
	Delivered int `json:"delivered"`
	Missing   int `json:"missing"`
	// FromCommit runs from the commit time the event carries (its at,
	// the hub's clock) to its arrival (the load tool's clock: the same
	// on one host, else as far apart as the clocks are).
	FromCommit Latency `json:"fromCommit"`
	// FromAck runs from the mutation's acknowledgement (its HTTP answer
	// read) to the event's arrival; negative when the event came first.
	FromAck Latency `json:"fromAck"`
	// Failures are the subscriptions that ended early, by code.
	Failures map[string]int `json:"failures,omitempty"`
}

// deliveries matches the measured writes with the events received.
func (a *subscribers) deliveries(writes map[version]time.Time) Deliveries {
	d := Deliveries{Subscribers: len(a.subs), Writes: len(writes), Expected: len(writes) * len(a.subs), Failures: map[string]int{}}
	var fromCommit, fromAck []time.Duration
	for _, s := range a.subs {
		s.mu.Lock()
		for w, acked := range writes {
			if got, ok := s.got[w]; ok {
				d.Delivered++
				fromCommit = append(fromCommit, got.at.Sub(got.committed))
				fromAck = append(fromAck, got.at.Sub(acked))
			}
		}
		if s.err != nil {
			d.Failures[hubclient.CodeOf(s.err)]++
		}
		s.mu.Unlock()
	}
	d.Missing = d.Expected - d.Delivered
	d.FromCommit, d.FromAck = latencyOf(fromCommit), latencyOf(fromAck)
	return d
}
