package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/otehub/hub/web"
)

// The map and dashboard pages, driven in headless Debian Chromium by
// Playwright (web/map/test/browser.mjs) against the real server.
// Screenshots are written to test-artifacts/ at the module root.
func TestPagesInABrowser(t *testing.T) {
	chromium := os.Getenv("HUB_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	root, _ := filepath.Abs("..")
	script := filepath.Join(root, "web", "map", "test", "browser.mjs")
	var missing string
	switch {
	case !web.Built():
		missing = "the pages are not built into this binary (make ui)"
	case !exists(chromium):
		missing = "Chromium is not installed (scripts/install-browser.sh)"
	case !exists(filepath.Join(root, "web", "map", "node_modules", "playwright-core")):
		missing = "playwright-core is not installed (make ui)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test cannot run: %s", missing)
		}
		t.Skipf("SKIPPING browser test: %s (make test sets everything up)", missing)
	}
	m := MustRunMain(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, m.URL(), filepath.Join(root, "test-artifacts"))
	cmd.Env = append(os.Environ(), "HUB_CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
