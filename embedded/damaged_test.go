package embedded_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
)

// mustSeededFile returns the bytes of a database file holding the OTE
// dataset.
func mustSeededFile(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := index.Open(t.Context(), s, index.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.Seed(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	n.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, embedded.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A damaged file must fail Open or Load with an error that names the
// file, never a panic or SIGBUS (which kills the process: bbolt maps the
// file, and a page past the end of a truncated file faults).
func TestDamagedFileIsAClearError(t *testing.T) {
	good := mustSeededFile(t)
	const page = 4096
	if len(good) < 8*page {
		t.Fatalf("the seeded file is %d bytes; the test needs more pages", len(good))
	}
	overwrite := func(from, to int, b byte) []byte {
		d := append([]byte{}, good...)
		for i := from; i < to; i++ {
			d[i] = b
		}
		return d
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text that is not a database", []byte("this is not a database file, just some text\n")},
		{"a file of zeros", make([]byte, len(good))},
		{"the first 100 bytes", good[:100]},
		{"the meta pages only", good[:2*page]},
		{"half of the file (SIGBUS before the check)", good[:len(good)/2]},
		{"both meta pages overwritten", overwrite(0, 2*page, 0xff)},
		// These pass the meta check; bbolt panics on the freelist page,
		// which Open recovers.
		{"every data page overwritten with zeros", overwrite(2*page, len(good), 0)},
		{"every data page overwritten with ones", overwrite(2*page, len(good), 0xff)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, embedded.FileName)
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := embedded.Open(dir)
			if err == nil {
				err = s.Load(context.Background(), func(*hub.Node) error { return nil }, func(*hub.Relationship) error { return nil })
				s.Close()
			}
			if err == nil {
				t.Fatal("a damaged file opened and loaded without an error")
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("the error does not name %s: %v", path, err)
			}
			if !errors.Is(err, embedded.ErrDamaged) && !strings.Contains(err.Error(), "invalid") {
				t.Errorf("the error does not say the file is damaged: %v", err)
			}
			// The file is not held after a failed Open: the operator can
			// move it away and start again.
			if err := os.Rename(path, path+".damaged"); err != nil {
				t.Error(err)
			}
			if s, err := embedded.Open(dir); err != nil {
				t.Errorf("open after moving the damaged file away: %v", err)
			} else {
				s.Close()
			}
		})
	}

	t.Run("an intact file opens and loads", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, embedded.FileName), good, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := embedded.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		nodes := 0
		if err := s.Load(t.Context(), func(*hub.Node) error { nodes++; return nil }, func(*hub.Relationship) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if nodes < 100 {
			t.Errorf("%d nodes", nodes)
		}
	})
}
