package main

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

func TestVerbOf(t *testing.T) {
	for _, tc := range []struct {
		args []string
		verb string
		rest int
	}{
		{nil, "serve", 0},
		{[]string{"-addr", ":9000"}, "serve", 2},
		{[]string{"serve", "-addr", ":9000"}, "serve", 2},
		{[]string{"import", "-dry-run", "x.json"}, "import", 2},
		{[]string{"export"}, "export", 0},
		{[]string{"frobnicate"}, "frobnicate", 0},
	} {
		verb, rest := verbOf(tc.args)
		if verb != tc.verb || len(rest) != tc.rest {
			t.Errorf("verbOf(%q) = %q, %q", tc.args, verb, rest)
		}
	}
}

// A command line that cannot run is a usage error (exit 2) that says
// why, before any store is opened.
func TestCommandUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"import"},
		{"import", "-batch", "0", "x.json"},
		{"import", "-format", "xml", "x.json"},
		{"import", "-colour", "x.json"},
		{"export", "-format", "csv"},
		{"export", "-format", "xml"},
		{"export", "extra"},
		{"help", "frobnicate"},
	} {
		var out, errs bytes.Buffer
		dir := t.TempDir()
		env := func(k string) string { return map[string]string{"HUB_DATA_DIR": dir}[k] }
		if code := runCommand(context.Background(), args[0], args[1:], env, &out, &errs); code != exitUsage || errs.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs.String())
		}
		if _, err := os.Stat(filepath.Join(dir, embedded.FileName)); err == nil {
			t.Errorf("%q opened the store", args)
		}
	}
}

// hubRun is one run of the hub binary as a command.
type hubRun struct {
	code           int
	stdout, stderr string
}

func runHub(t *testing.T, bin string, env []string, args ...string) hubRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	r := hubRun{stdout: out.String(), stderr: errs.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run hub %q: %v", args, err)
	}
	return r
}

func (r hubRun) mustSucceed(t *testing.T) hubRun {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// totals is the total line of an import's report: created, updated,
// unchanged, failed.
var totalLine = regexp.MustCompile(`(?m)^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`)

func totals(t *testing.T, r hubRun) string {
	t.Helper()
	m := totalLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no total in the report:\n%s", r.stdout)
	}
	return strings.Join(m[1:], " ")
}

// factsIn returns the facts of the embedded store in dir, which no
// process holds.
func factsIn(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return storetest.Facts(t, s)
}

func versionsIn(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return storetest.Versions(t, s)
}

// The import and export commands as a user runs them: the built binary,
// its exit status and output, the store it leaves.
func TestCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hub and runs it as processes")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, out)
	}
	ote, err := filepath.Abs(filepath.Join("..", "dataset", "ote.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The OTE network as the hub's seeding writes it: the oracle of the
	// imports.
	seededDir := t.TempDir()
	{
		s, err := embedded.Open(seededDir)
		if err != nil {
			t.Fatal(err)
		}
		if err := dataset.Seed(t.Context(), storetest.Follow(t, s)); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	want := factsIn(t, seededDir)
	rows := len(want)

	t.Run("version and help answer", func(t *testing.T) {
		if r := runHub(t, bin, nil, "version").mustSucceed(t); !strings.HasPrefix(r.stdout, "hub ") {
			t.Errorf("version: %q", r.stdout)
		}
		for _, args := range [][]string{{"help"}, {"help", "import"}, {"help", "export"}, {"import", "-h"}} {
			r := runHub(t, bin, nil, args...).mustSucceed(t)
			if !strings.Contains(r.stdout+r.stderr, "Usage") {
				t.Errorf("%q: %q", args, r.stdout+r.stderr)
			}
		}
	})

	dir := filepath.Join(tmp, "ote")
	t.Run("hub import dataset/ote.json loads the OTE network; again, it changes nothing", func(t *testing.T) {
		r := runHub(t, bin, nil, "import", "-data-dir", dir, ote).mustSucceed(t)
		if got := totals(t, r); got != strings.Join([]string{strconv.Itoa(rows), "0", "0", "0"}, " ") {
			t.Errorf("first import: %s\n%s", got, r.stdout)
		}
		storetest.MustSameFacts(t, factsIn(t, dir), want)
		before := versionsIn(t, dir)
		r = runHub(t, bin, nil, "import", "-data-dir", dir, ote).mustSucceed(t)
		if got := totals(t, r); got != "0 0 "+strconv.Itoa(rows)+" 0" {
			t.Errorf("second import: %s", got)
		}
		if after := versionsIn(t, dir); !maps.Equal(after, before) {
			t.Error("the second import changed versions")
		}
	})

	t.Run("an export in JSON or CSV imports into an empty store as the same network", func(t *testing.T) {
		file := filepath.Join(tmp, "export.json")
		runHub(t, bin, nil, "export", "-data-dir", dir, "-out", file).mustSucceed(t)
		stdout := runHub(t, bin, []string{"HUB_DATA_DIR=" + dir}, "export").mustSucceed(t).stdout
		if data, _ := os.ReadFile(file); string(data) != stdout {
			t.Error("the export to a file and to standard output differ")
		}
		csvDir := filepath.Join(tmp, "export-csv")
		runHub(t, bin, nil, "export", "-data-dir", dir, "-format", "csv", "-out", csvDir).mustSucceed(t)
		for _, src := range []string{file, csvDir} {
			dst := t.TempDir()
			r := runHub(t, bin, nil, "import", "-data-dir", dst, "-batch", "50", src).mustSucceed(t)
			if got := totals(t, r); got != strconv.Itoa(rows)+" 0 0 0" {
				t.Errorf("%s: %s", src, got)
			}
			storetest.MustSameFacts(t, factsIn(t, dst), want)
		}
	})

	t.Run("a dry run lists what it would write, writes nothing, and counts what the import then does", func(t *testing.T) {
		dst := t.TempDir()
		dry := runHub(t, bin, nil, "import", "-dry-run", "-data-dir", dst, ote).mustSucceed(t)
		if !strings.Contains(dry.stdout, "create pilot/fokus: ") || !strings.Contains(dry.stdout, "dry run: nothing was written") {
			t.Errorf("dry run:\n%s", dry.stdout)
		}
		if n := len(factsIn(t, dst)); n != 0 {
			t.Errorf("the dry run wrote %d rows", n)
		}
		real := runHub(t, bin, nil, "import", "-data-dir", dst, ote).mustSucceed(t)
		if totals(t, dry) != totals(t, real) {
			t.Errorf("dry run %s, import %s", totals(t, dry), totals(t, real))
		}
	})

	t.Run("a bad CSV row fails the import with its file and line", func(t *testing.T) {
		csvDir := filepath.Join(tmp, "bad-csv")
		runHub(t, bin, nil, "export", "-data-dir", dir, "-format", "csv", "-out", csvDir).mustSucceed(t)
		path := filepath.Join(csvDir, "pilot.csv")
		data, _ := os.ReadFile(path)
		// The pilots' type column holds PILOT; the second row's becomes
		// unknown.
		lines := strings.SplitAfter(string(data), "\n")
		lines[1] = strings.Replace(lines[1], ",PILOT,", ",PROJECT,", 1)
		os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
		dst := t.TempDir()
		r := runHub(t, bin, nil, "import", "-data-dir", dst, csvDir)
		if r.code != exitFail || !strings.Contains(r.stderr, path+":2: pilot/") || !strings.Contains(r.stderr, `"PROJECT"`) {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})

	t.Run("an import while a hub serves the embedded store says to stop it or use MongoDB", func(t *testing.T) {
		p := startHubIn(t, bin, dir)
		waitFor(t, "the hub ready", 60*time.Second, func() bool { c, _ := p.readyz(t); return c == http.StatusOK })
		r := runHub(t, bin, nil, "import", "-data-dir", dir, ote)
		if r.code != exitFail || !strings.Contains(r.stderr, "stop that hub") || !strings.Contains(r.stderr, "MongoDB") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})

	t.Run("with MongoDB the same commands give the same network", func(t *testing.T) {
		env := []string{"MONGODB_URI=" + mongotest.URI(t), "HUB_MONGODB_TIMEOUT=30s"}
		r := runHub(t, bin, env, "import", ote).mustSucceed(t)
		if got := totals(t, r); got != strconv.Itoa(rows)+" 0 0 0" {
			t.Errorf("import: %s", got)
		}
		mongoExport := runHub(t, bin, env, "export").mustSucceed(t).stdout
		embeddedExport := runHub(t, bin, nil, "export", "-data-dir", seededDir).mustSucceed(t).stdout
		if mongoExport != embeddedExport {
			t.Error("the export of the OTE network imported into MongoDB differs from the seeded embedded store's")
		}
		if got := totals(t, runHub(t, bin, env, "import", ote).mustSucceed(t)); got != "0 0 "+strconv.Itoa(rows)+" 0" {
			t.Errorf("second import: %s", got)
		}
	})
}
