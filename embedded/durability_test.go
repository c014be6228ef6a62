package embedded_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// durabilityDirEnv names the data directory of the child process of
// TestAcknowledgedWritesSurviveKill; without it TestDurabilityChild skips.
const durabilityDirEnv = "HUB_EMBEDDED_DURABILITY_DIR"

var now = time.Date(2025, time.March, 14, 9, 26, 53, 589_793_238, time.UTC)

func link(typ hub.RelationshipType, from, to *hub.Node) *hub.Relationship {
	return &hub.Relationship{
		Key:     hub.RelationshipKey(typ, hub.NodeRef(from.Kind, from.Key), hub.NodeRef(to.Kind, to.Key), ""),
		Type:    typ,
		FromID:  from.ID,
		ToID:    to.ID,
		Sources: []hub.Citation{{SourceID: storetest.Source().ID}},
	}
}

// mustOpen opens the store in dir behind an index that follows it, so
// that what the store loads and streams can be read back.
func mustOpen(t *testing.T, dir string) storetest.Store {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return storetest.Follow(t, s)
}

// TestDurabilityChild is the child process of
// TestAcknowledgedWritesSurviveKill: it applies single-node batches until
// it is killed and reports each acknowledged write on stdout.
func TestDurabilityChild(t *testing.T) {
	dir := os.Getenv(durabilityDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestAcknowledgedWritesSurviveKill")
	}
	s := mustOpen(t, dir)
	defer s.Close()
	storetest.MustApplyAt(t, s, now, storetest.Source())
	// The deadline only guards against a parent that never kills us.
	for i, deadline := 0, time.Now().Add(time.Minute); time.Now().Before(deadline); i++ {
		key := fmt.Sprintf("acked-%06d", i)
		storetest.MustApplyAt(t, s, now, storetest.Org(key))
		// os.Stdout is unbuffered: the line leaves the process before the
		// next write starts.
		fmt.Printf("acked %s\n", key)
	}
}

func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	const wantAcks = 200
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), durabilityDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	// A child that hangs is killed, which ends the read loop below.
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer watchdog.Stop()

	var acked []string
	lines := bufio.NewScanner(stdout)
	for len(acked) < wantAcks && lines.Scan() {
		if key, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked = append(acked, key)
		}
	}
	// SIGKILL: no deferred Close, no flush, no chance to finish the
	// transaction in flight.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	// The child may have acknowledged more writes before the kill landed
	// than were read so far: read them all (the pipe ends when it dies).
	for lines.Scan() {
		if key, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked = append(acked, key)
		}
	}
	cmd.Wait()
	if len(acked) < wantAcks {
		t.Fatalf("the child acknowledged only %d writes before it stopped; stderr:\n%s", len(acked), stderr.String())
	}

	s := mustOpen(t, dir)
	defer s.Close()
	ids := make([]string, len(acked))
	for i, key := range acked {
		ids[i] = hub.NodeID(hub.KindOrganisation, key)
	}
	got, err := s.NodesByID(t.Context(), ids)
	if err != nil {
		t.Fatalf("NodesByID after reopen: %v", err)
	}
	lost := 0
	for i, n := range got {
		if n == nil {
			lost++
			t.Errorf("acknowledged write %s is lost", acked[i])
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes are lost", lost, len(acked))
	}
	count, err := s.CountNodes(t.Context(), hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}})
	if err != nil {
		t.Fatal(err)
	}
	// The write in flight at the kill may or may not have landed.
	if count < len(acked) || count > len(acked)+1 {
		t.Errorf("CountNodes after reopen = %d, want %d or %d", count, len(acked), len(acked)+1)
	}
	// The reopened store takes writes.
	storetest.MustApplyAt(t, s, now, storetest.Org("after-kill"))
}

func TestReopenAfterCloseKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	src, a, b, c := storetest.Source(), storetest.Org("a"), storetest.Org("b"), storetest.Org("c")
	ab, bc := link(hub.RefersTo, a, b), link(hub.PartOf, b, c)
	batch := storetest.MustApplyAt(t, s, now, src, a, b, c, ab, bc)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = mustOpen(t, dir)
	defer s.Close()
	ctx := t.Context()
	nodes, err := s.NodesByID(ctx, []string{src.ID, a.ID, b.ID, c.ID})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range batch.Nodes {
		sameJSON(t, "node "+want.Key+" after reopen", nodes[i], want)
	}
	rels, err := s.RelationshipsByID(ctx, []string{ab.ID, bc.ID})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range batch.Relationships {
		sameJSON(t, "relationship "+want.Key+" after reopen", rels[i], want)
	}

	// The adjacency indexes are rebuilt.
	for _, tc := range []struct {
		name string
		f    hub.RelationshipFilter
		want []string
	}{
		{"around b", hub.RelationshipFilter{NodeIDs: []string{b.ID}}, []string{ab.ID, bc.ID}},
		{"out of b", hub.RelationshipFilter{NodeIDs: []string{b.ID}, Direction: hub.Out}, []string{bc.ID}},
		{"into b", hub.RelationshipFilter{NodeIDs: []string{b.ID}, Direction: hub.In}, []string{ab.ID}},
		{"from a", hub.RelationshipFilter{FromIDs: []string{a.ID}}, []string{ab.ID}},
		{"to c", hub.RelationshipFilter{ToIDs: []string{c.ID}}, []string{bc.ID}},
	} {
		got, _, err := s.FindRelationships(ctx, tc.f, hub.ListOptions{First: hub.Unlimited})
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(relIDs(got), tc.want) {
			t.Errorf("%s after reopen: got %v, want %v", tc.name, relIDs(got), tc.want)
		}
	}

	// Prepare sees the stored PART_OF, and an upsert after reopen keeps
	// CreatedAt and moves the adjacency.
	second := link(hub.PartOf, b, a)
	if err := hub.Prepare(ctx, s, &hub.Batch{Relationships: []*hub.Relationship{second}}, now); hub.ErrorCode(err) != hub.EINVALID {
		t.Errorf("a second PART_OF after reopen: Prepare = %v, want %s", err, hub.EINVALID)
	}
	moved := &hub.Relationship{Key: ab.Key, Type: hub.RefersTo, FromID: c.ID, ToID: a.ID, Sources: ab.Sources}
	later := now.Add(time.Hour)
	if err := hub.Prepare(ctx, s, &hub.Batch{Relationships: []*hub.Relationship{moved}}, later); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, &hub.Batch{Relationships: []*hub.Relationship{moved}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.FindRelationships(ctx, hub.RelationshipFilter{NodeIDs: []string{b.ID}, Direction: hub.In}, hub.ListOptions{First: hub.Unlimited}); len(got) != 0 {
		t.Errorf("a moved relationship is still found from its old end after reopen: %v", relIDs(got))
	}
	got, _ := s.RelationshipsByID(ctx, []string{ab.ID})
	if got[0] == nil || !got[0].CreatedAt.Equal(now.Truncate(time.Millisecond)) || !got[0].UpdatedAt.Equal(later.Truncate(time.Millisecond)) {
		t.Errorf("upsert after reopen: %+v, want CreatedAt %s and UpdatedAt %s", got[0], now, later)
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	first := mustOpen(t, dir)
	defer first.Close()

	type result struct {
		s   *embedded.Store
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		s, err := embedded.Open(dir)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err == nil {
			r.s.Close()
			t.Fatal("a second Open of an open directory succeeded")
		}
		if !errors.Is(r.err, embedded.ErrLocked) || !strings.Contains(r.err.Error(), "another process holds the database") || !strings.Contains(r.err.Error(), dir) {
			t.Errorf("a second Open fails with %q; want it to say that another process holds %s", r.err, dir)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a second Open took %s to fail", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second Open of an open directory hangs")
	}

	// Once the first store is closed the directory opens again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, dir).Close()
}

func TestOpenCreatesTheDirectory(t *testing.T) {
	dir := t.TempDir() + "/nested/data"
	s := mustOpen(t, dir)
	defer s.Close()
	if _, err := os.Stat(dir + "/" + embedded.FileName); err != nil {
		t.Errorf("the database file is missing: %v", err)
	}
	if n, err := s.CountNodes(context.Background(), hub.NodeFilter{}); err != nil || n != 0 {
		t.Errorf("a new store counts %d nodes, %v", n, err)
	}
}

func relIDs(rs []*hub.Relationship) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
