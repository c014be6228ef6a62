package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/otehub/hub"
)

// observer watches the calls the hub makes to its store. Every call
// begins with start and ends by calling the function start returns with
// the call's error; the call runs with the context start returns. This
// is the one place to hang what is measured per store call: the latency
// histogram, and a span when tracing is on.
type observer struct {
	// calls times the calls by method and outcome.
	calls *prometheus.HistogramVec
	// tracer, when tracing is on, makes a span of each call.
	tracer trace.Tracer
}

// start begins a call of method: ctx is what the call runs with, end
// records its result.
func (o *observer) start(ctx context.Context, method string) (context.Context, func(err error)) {
	began := time.Now()
	endSpan := func(error) {}
	if o.tracer != nil {
		ctx, endSpan = startStoreSpan(ctx, o.tracer, method)
	}
	return ctx, func(err error) {
		o.calls.WithLabelValues(method, outcomeOf(err)).Observe(time.Since(began).Seconds())
		endSpan(err)
	}
}

// outcomeOf names a call's result: "ok", or the domain error code
// (EUNAVAILABLE, ECONFLICT…), a small fixed set.
func outcomeOf(err error) string {
	if err == nil {
		return "ok"
	}
	return hub.ErrorCode(err)
}

// observedStore is a hub.Store whose calls are observed. A change
// stream's Next is not: it waits for the next write, for as long as
// there is none; Watch times the opening of the feed.
type observedStore struct {
	store hub.Store
	o     *observer
}

var _ hub.Store = (*observedStore)(nil)

func (s *observedStore) Apply(ctx context.Context, b *hub.Batch) error {
	ctx, end := s.o.start(ctx, "Apply")
	err := s.store.Apply(ctx, b)
	end(err)
	return err
}

func (s *observedStore) Load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	ctx, end := s.o.start(ctx, "Load")
	err := s.store.Load(ctx, node, rel)
	end(err)
	return err
}

func (s *observedStore) Watch(ctx context.Context, resumeAfter string) (hub.ChangeStream, error) {
	ctx, end := s.o.start(ctx, "Watch")
	cs, err := s.store.Watch(ctx, resumeAfter)
	end(err)
	return cs, err
}

func (s *observedStore) History(ctx context.Context, id string, before int64, first int) ([]hub.Revision, bool, error) {
	ctx, end := s.o.start(ctx, "History")
	revs, more, err := s.store.History(ctx, id, before, first)
	end(err)
	return revs, more, err
}

func (s *observedStore) Revisions(ctx context.Context, after time.Time, fn func(*hub.Revision) error) error {
	ctx, end := s.o.start(ctx, "Revisions")
	err := s.store.Revisions(ctx, after, fn)
	end(err)
	return err
}

func (s *observedStore) Ping(ctx context.Context) error {
	ctx, end := s.o.start(ctx, "Ping")
	err := s.store.Ping(ctx)
	end(err)
	return err
}

// Close is not observed: it happens once, at shutdown.
func (s *observedStore) Close() error { return s.store.Close() }
