package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// TestShutdownDrains: at shutdown /readyz turns 503 first, a request in
// flight finishes with its answer, and Close ends without an error.
func TestShutdownDrains(t *testing.T) {
	held := &heldReads{entered: make(chan struct{}, 10), release: make(chan struct{})}
	m := mustRunMainWith(t, map[string]string{"HUB_DRAIN_DELAY": "300ms", "HUB_SHUTDOWN_GRACE": "10s"}, func(m *Main) {
		m.wrapReads = func(r hub.Reader) hub.Reader { held.Reader = r; return held }
	})
	MustBeReady(t, m, 30*time.Second)
	url := m.URL()
	slow := fmt.Sprintf(`{ node(id: %q) { id } }`, hub.NodeID(hub.KindOrganisation, "eksote"))
	answered := make(chan answer, 1)
	go func() { answered <- sendRequest(t, request(m, slow, nil)) }()
	<-held.entered

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// While the slow request is in flight, readiness turns 503.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			var body struct{ Status string }
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && body.Status == "draining" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never said draining")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(held.release)
	if a := <-answered; a.status != http.StatusOK || path(a.body.Data, "node", "id") != hub.NodeID(hub.KindOrganisation, "eksote") {
		t.Errorf("the request in flight got %d %s", a.status, a.raw)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close = %v, want a clean stop", err)
	}
}

// TestShutdownCutsPastTheGrace: a request still in flight when the grace
// period ends is cut (its work cancelled), and the stop is still clean.
func TestShutdownCutsPastTheGrace(t *testing.T) {
	held := &heldReads{entered: make(chan struct{}, 10), release: make(chan struct{})}
	m := mustRunMainWith(t, map[string]string{"HUB_SHUTDOWN_GRACE": "200ms"}, func(m *Main) {
		m.wrapReads = func(r hub.Reader) hub.Reader { held.Reader = r; return held }
	})
	MustBeReady(t, m, 30*time.Second)
	slow := fmt.Sprintf(`{ node(id: %q) { id } }`, hub.NodeID(hub.KindOrganisation, "eksote"))
	failed := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(request(m, slow, nil))
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	<-held.entered
	began := time.Now()
	if err := m.Close(); err != nil {
		t.Errorf("Close = %v, want a clean stop", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Close took %v with a grace of 200ms", took)
	}
	if err := <-failed; err == nil {
		t.Error("the request cut at shutdown got an answer")
	}
}
