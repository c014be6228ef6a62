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

// The playground, driven in headless Debian Chromium by Playwright
// (web/map/test/playground.mjs) with every other host blocked, against
// the real server and against one that refuses introspection.
// Screenshots are written to test-artifacts/ at the module root.
func TestPlaygroundInABrowser(t *testing.T) {
	chromium := os.Getenv("HUB_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	root, _ := filepath.Abs("..")
	var missing string
	switch {
	case !web.Built():
		missing = "the pages are not built into this binary (make ui)"
	case !exists(chromium):
		missing = "Chromium is not installed (scripts/install-browser.sh)"
	case !exists(filepath.Join(root, "web", "map", "node_modules", "axe-core")):
		missing = "playwright-core and axe-core are not installed (make ui)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test cannot run: %s", missing)
		}
		t.Skipf("SKIPPING browser test: %s (make test sets everything up)", missing)
	}
	open := MustRunMain(t, nil)
	closed := MustRunMain(t, map[string]string{"HUB_INTROSPECTION": "false"})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	script := filepath.Join(root, "web", "map", "test", "playground.mjs")
	cmd := exec.CommandContext(ctx, "node", script, open.URL(), closed.URL(), filepath.Join(root, "test-artifacts"))
	cmd.Env = append(os.Environ(), "HUB_CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
