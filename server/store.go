package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/mongodb"
)

// openStore opens the configured store and starts the index that
// follows it. The embedded store is loaded before Run returns; MongoDB
// is initialised and loaded in the background, since it may be down at
// start: until the index is loaded /readyz says not ready and GraphQL
// answers STORE_UNAVAILABLE, retrying with backoff.
func (m *Main) openStore(ctx context.Context) error {
	opts := index.Options{Logger: m.Logger}
	var monitor *event.CommandMonitor
	if m.tracing != nil {
		monitor = m.tracing.mongoMonitor()
	}
	store, mongo, err := m.Config.open(m.metrics.poolMonitor(), monitor)
	if err != nil {
		return err
	}
	// Everything but the MongoDB start-up calls the store through the
	// observer.
	observed := m.metrics.observe(store)
	if mongo == nil {
		m.Store = observed
		m.Logger.Info("embedded store open", "dir", m.Config.DataDir)
		m.Network = index.Follow(observed, opts)
		if err := m.Network.WaitLoaded(ctx); err != nil {
			return err
		}
		if err := m.seed(ctx); err != nil {
			return err
		}
		m.ready.Store(true)
		return nil
	}
	m.metrics.registerPool()
	m.Store, m.mongo = observed, mongo
	m.Network = index.Follow(observed, opts)
	ictx, cancel := context.WithCancel(context.Background())
	m.stopInit = cancel
	m.initDone = make(chan struct{})
	go func() {
		defer close(m.initDone)
		m.initMongo(ictx, mongo)
	}()
	return nil
}

// open opens the configured store: MongoDB when MongoURI is set (then
// mongo is the same store, its pool events told to pool and its
// commands to monitor when those are not nil), the embedded store in
// DataDir otherwise.
func (c *Config) open(pool *event.PoolMonitor, monitor *event.CommandMonitor) (store hub.Store, mongo *mongodb.Store, err error) {
	if c.MongoURI == "" {
		s, err := embedded.Open(c.DataDir)
		if err != nil {
			return nil, nil, err
		}
		return s, nil, nil
	}
	s, err := mongodb.Open(mongodb.Options{
		URI:              c.MongoURI,
		Database:         c.MongoDatabase,
		MaxPoolSize:      c.MongoMaxPool,
		MinPoolSize:      c.MongoMinPool,
		OperationTimeout: c.MongoTimeout,
		PoolMonitor:      pool,
		Monitor:          monitor,
	})
	if err != nil {
		return nil, nil, err
	}
	return s, s, nil
}

// Backoff bounds for MongoDB start-up retries.
const (
	firstRetry = 500 * time.Millisecond
	maxRetry   = 30 * time.Second
)

// initMongo creates the indexes, waits for the network to load (the
// index retries its own load) and seeds an empty database, retrying
// each step that fails until it succeeds or ctx ends.
func (m *Main) initMongo(ctx context.Context, store *mongodb.Store) {
	if !m.retry(ctx, "MongoDB is not reachable yet; the hub answers STORE_UNAVAILABLE until it is", store.Init) ||
		m.Network.WaitLoaded(ctx) != nil ||
		!m.retry(ctx, "the dataset cannot be seeded yet", m.seed) {
		return
	}
	m.ready.Store(true)
	m.Logger.Info("MongoDB store ready", "database", store.Database())
}

// retry calls step until it succeeds, logging each failure with what,
// with a backoff from firstRetry doubling to maxRetry; false when ctx
// ends first.
func (m *Main) retry(ctx context.Context, what string, step func(context.Context) error) bool {
	wait := firstRetry
	for attempt := 1; ; attempt++ {
		err := step(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		m.Logger.Warn(what, "attempt", attempt, "retry_in", wait.String(), "err", hub.ErrorMessage(err), "cause", unavailableCause(err))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(wait*2, maxRetry)
	}
}

// unavailableCause is the driver's account of why the store is
// unavailable, for the operator: which server answered what, or which
// deadline passed. Only EUNAVAILABLE causes are shown: they describe
// connections and time, never documents, so no row's data reaches the log.
func unavailableCause(err error) string {
	var e *hub.Error
	if !errors.As(err, &e) || e.Code != hub.EUNAVAILABLE || e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// seed loads the OTE dataset into an empty store when seeding is on.
func (m *Main) seed(ctx context.Context) error {
	if !m.Config.Seed {
		return nil
	}
	seeded, err := dataset.SeedIfEmpty(ctx, m.Network)
	if err != nil {
		return fmt.Errorf("seed the %s dataset: %w", dataset.Name, err)
	}
	if seeded {
		m.Logger.Info("loaded dataset into the empty store", "dataset", dataset.Name)
	}
	return nil
}

// freshness says how current the index is, for every GraphQL response.
func (m *Main) freshness() graph.Freshness {
	st := m.Network.Status()
	f := graph.Freshness{Stale: st.Stale}
	if st.Loaded {
		f.LoadedAt = &st.LoadedAt
	}
	if !st.LastChange.IsZero() {
		f.LastChange = &st.LastChange
	}
	return f
}

// dataVersion names the state of the network answers are computed
// from, for their entity tags: which load of it (its time, which differs
// between instances and restarts, as the answers' freshness does), how
// many changes since, and whether the change feed is broken (which the
// answers say); "" while the index is changing, when an answer may mix
// two states.
func (m *Main) dataVersion() string {
	st := m.Network.Status()
	if st.Version%2 == 1 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%t", st.LoadedAt.UnixNano(), st.Version, st.Stale)
}

// readinessBody is the body of /readyz.
type readinessBody struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Index  struct {
		Loaded        bool       `json:"loaded"`
		Nodes         int        `json:"nodes"`
		Relationships int        `json:"relationships"`
		LoadedAt      *time.Time `json:"loadedAt,omitempty"`
		LoadSeconds   float64    `json:"loadSeconds"`
	} `json:"index"`
	Store struct {
		Reachable bool   `json:"reachable"`
		Error     string `json:"error,omitempty"`
		// Replaced: the database is not the one the network was
		// loaded from (restarted without its data, or replaced).
		Replaced bool `json:"replaced"`
	} `json:"store"`
	Feed struct {
		Stale      bool       `json:"stale"`
		Since      *time.Time `json:"staleSince,omitempty"`
		Reason     string     `json:"reason,omitempty"`
		LastChange *time.Time `json:"lastChange,omitempty"`
		// LagSeconds is how long after its commit the newest change was
		// applied to this instance's index.
		LagSeconds float64 `json:"lagSeconds"`
	} `json:"feed"`
}

// readyz reports whether the hub can serve: 200 once the index is
// loaded (and an empty store seeded), whether or not the store answers
// now, since reads are served from the index; the body says how fresh
// it is, and status "degraded" when the database lost its data. Load balancers route by it; /healthz is liveness.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	var body readinessBody
	st := m.Network.Status()
	body.Index.Loaded, body.Index.Nodes, body.Index.Relationships = st.Loaded, st.Nodes, st.Relationships
	if st.Loaded {
		body.Index.LoadedAt, body.Index.LoadSeconds = &st.LoadedAt, st.LoadDuration.Seconds()
	}
	body.Feed.Stale, body.Feed.Reason, body.Store.Replaced = st.Stale, st.Reason, st.Replaced
	if st.Stale {
		body.Feed.Since = &st.Since
	}
	if !st.LastChange.IsZero() {
		body.Feed.LastChange, body.Feed.LagSeconds = &st.LastChange, max(0, st.AppliedAt.Sub(st.LastChange).Seconds())
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := m.Store.Ping(ctx); err != nil {
		body.Store.Error = hub.ErrorMessage(err)
	} else {
		body.Store.Reachable = true
	}
	code := http.StatusOK
	body.Status = "ready"
	switch {
	case !st.Loaded:
		code, body.Status, body.Reason = http.StatusServiceUnavailable, "not ready", "the network is loading"
		if st.Reason != "" {
			body.Reason += ": " + st.Reason
		}
	case !m.ready.Load():
		code, body.Status, body.Reason = http.StatusServiceUnavailable, "not ready", "the store is starting"
	case m.draining.Load():
		code, body.Status, body.Reason = http.StatusServiceUnavailable, "draining", "the instance is shutting down"
	case st.Replaced:
		// Still 200: reads are served from memory, which is all that
		// is left of the network until the data is restored.
		body.Status, body.Reason = "degraded", "the database is not the one this hub started on (restarted without its data, or replaced): "+
			"reads serve the network as last known, writes are refused; restore its data, or restart the hub to take the database as it is"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
