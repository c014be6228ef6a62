package web

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestPageScriptUnits runs the pages' own unit tests (web/map/test/unit)
// with Node's test runner. Without Node it skips (fails under CI).
func TestPageScriptUnits(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Node.js is not installed")
		}
		t.Skip("SKIPPING the pages' unit tests: Node.js is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "test/unit/")
	cmd.Dir = "map"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test test/unit/: %v\n%s", err, out)
	}
}
