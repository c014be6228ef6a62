// Package fill loads a synthetic network into an empty store, as the
// hub writes, for the benchmarks that start the hub on it (HUB_SEED=false).
package fill

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/synthetic"
)

// Loaded is how one store was filled.
type Loaded struct {
	rows int
	took time.Duration // synthetic.Load alone, after the store opened
}

func (l Loaded) String() string {
	return fmt.Sprintf("%d rows in %v (%.0f rows/s, chunks of %d)", l.rows, l.took.Round(time.Millisecond),
		float64(l.rows)/l.took.Seconds(), synthetic.LoadChunk)
}

// fill writes a freshly generated network into store through an index
// that follows it, as the hub writes: each chunk is acknowledged once
// stored and indexed.
func fill(ctx context.Context, store hub.Store, cfg synthetic.Config, logger *slog.Logger) (Loaded, error) {
	live, err := index.Open(ctx, store, index.Options{Logger: logger})
	if err != nil {
		return Loaded{}, fmt.Errorf("follow the store: %w", err)
	}
	defer live.Close()
	// Load prepares the batch in place: every store gets its own.
	b := synthetic.Generate(cfg)
	began := time.Now()
	if err := synthetic.Load(ctx, live, b); err != nil {
		return Loaded{}, err
	}
	return Loaded{rows: len(b.Nodes) + len(b.Relationships), took: time.Since(began)}, nil
}

// Embedded loads the network into a new embedded store in dir and
// closes it, for the hub to open.
func Embedded(ctx context.Context, dir string, cfg synthetic.Config, logger *slog.Logger) (Loaded, error) {
	s, err := embedded.Open(dir)
	if err != nil {
		return Loaded{}, fmt.Errorf("open the embedded store: %w", err)
	}
	l, err := fill(ctx, s, cfg, logger)
	if cerr := s.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the embedded store: %w", cerr)
	}
	return l, err
}

// MongoDB loads the network into the empty database of uri.
func MongoDB(ctx context.Context, uri string, cfg synthetic.Config, logger *slog.Logger) (Loaded, error) {
	// SecantusDB takes seconds for a chunk of thousands of rows: the
	// default operation timeout (10 s) would fail the load.
	s, err := mongodb.Open(mongodb.Options{URI: uri, OperationTimeout: 10 * time.Minute})
	if err != nil {
		return Loaded{}, err
	}
	defer s.Close()
	if err := s.Init(ctx); err != nil {
		return Loaded{}, fmt.Errorf("create the indexes: %w", err)
	}
	return fill(ctx, s, cfg, logger)
}
