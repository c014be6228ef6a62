package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/mongodb"
)

// openMongo creates the MongoDB store and initialises it in the
// background: the hub serves (and /readyz says not ready, GraphQL says
// STORE_UNAVAILABLE) until MongoDB answers, retrying with backoff.
func (m *Main) openMongo() error {
	store, err := mongodb.Open(mongodb.Options{
		URI:              m.Config.MongoURI,
		Database:         m.Config.MongoDatabase,
		MaxPoolSize:      m.Config.MongoMaxPool,
		MinPoolSize:      m.Config.MongoMinPool,
		OperationTimeout: m.Config.MongoTimeout,
	})
	if err != nil {
		return err
	}
	m.Store = store
	ctx, cancel := context.WithCancel(context.Background())
	m.stopInit = cancel
	m.initDone = make(chan struct{})
	go func() {
		defer close(m.initDone)
		m.initMongo(ctx, store)
	}()
	return nil
}

// Backoff bounds for MongoDB start-up retries.
const (
	firstRetry = 500 * time.Millisecond
	maxRetry   = 30 * time.Second
)

func (m *Main) initMongo(ctx context.Context, store *mongodb.Store) {
	wait := firstRetry
	for attempt := 1; ; attempt++ {
		err := store.Init(ctx)
		if err == nil {
			err = m.seed(ctx)
		}
		if err == nil {
			m.ready.Store(true)
			m.Logger.Info("MongoDB store ready", "database", store.Database())
			return
		}
		if ctx.Err() != nil {
			return
		}
		m.Logger.Warn("MongoDB is not reachable yet; the hub answers STORE_UNAVAILABLE until it is",
			"attempt", attempt, "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxRetry)
	}
}

// seed loads the OTE dataset into an empty store when seeding is on.
func (m *Main) seed(ctx context.Context) error {
	if !m.Config.Seed {
		return nil
	}
	seeded, err := dataset.SeedIfEmpty(ctx, m.Store)
	if err != nil {
		return fmt.Errorf("seed the %s dataset: %w", dataset.Name, err)
	}
	if seeded {
		m.Logger.Info("loaded dataset into the empty store", "dataset", dataset.Name)
	}
	return nil
}

// readyz reports whether the hub can serve: the store is initialised and
// answers a ping now. Load balancers route by it; /healthz is liveness.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	status := map[string]string{"status": "ready"}
	code := http.StatusOK
	if !m.ready.Load() {
		status, code = map[string]string{"status": "not ready", "reason": "store is starting"}, http.StatusServiceUnavailable
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.Store.Ping(ctx); err != nil {
			status, code = map[string]string{"status": "not ready", "reason": hub.ErrorMessage(err)}, http.StatusServiceUnavailable
		}
	}
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(status)
}
