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
	runBrowserScript(t, "browser.mjs", MustRunMain(t, nil).URL())
}

// The playground, driven the same way (web/map/test/playground.mjs)
// with every other host blocked, against the real server and against
// one that refuses introspection.
func TestPlaygroundInABrowser(t *testing.T) {
	open := MustRunMain(t, nil)
	closed := MustRunMain(t, map[string]string{"HUB_INTROSPECTION": "false"})
	runBrowserScript(t, "playground.mjs", open.URL(), closed.URL())
}

// runBrowserScript runs a Playwright script of web/map/test with Node,
// its arguments followed by the directory for screenshots, and fails
// the test when the script fails. Without the pages built, Chromium or
// the npm packages, it skips (fails under CI).
func runBrowserScript(t *testing.T, script string, args ...string) {
	t.Helper()
	chromium := os.Getenv("HUB_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	root, _ := filepath.Abs("..")
	modules := filepath.Join(root, "web", "map", "node_modules")
	var missing string
	switch {
	case !web.Built():
		missing = "the pages are not built into this binary (make ui)"
	case !exists(chromium):
		missing = "Chromium is not installed (scripts/install-browser.sh)"
	case !exists(filepath.Join(modules, "playwright-core")) || !exists(filepath.Join(modules, "axe-core")):
		missing = "playwright-core and axe-core are not installed (make ui)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test cannot run: %s", missing)
		}
		t.Skipf("SKIPPING browser test: %s (make test sets everything up)", missing)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	argv := append([]string{filepath.Join(root, "web", "map", "test", script)}, args...)
	cmd := exec.CommandContext(ctx, "node", append(argv, filepath.Join(root, "test-artifacts"))...)
	cmd.Env = append(os.Environ(), "HUB_CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser test %s failed: %v", script, err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
