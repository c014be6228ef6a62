package embedded_test

import (
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) hub.Store {
		s, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestLoadCallbackPanicIsNotDamage: a panic in the code Load calls back
// is that code's, not a damaged file's.
func TestLoadCallbackPanicIsNotDamage(t *testing.T) {
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, _ := dataset.Batch()
	if err := hub.Prepare(t.Context(), index.New(), b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p != "a bug in the caller" {
			t.Errorf("recovered %v, want the caller's own panic", p)
		}
	}()
	s.Load(t.Context(), func(*hub.Node) error { panic("a bug in the caller") }, func(*hub.Relationship) error { return nil })
	t.Error("Load returned")
}
