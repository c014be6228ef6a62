// Package proc builds and runs the servers the benchmarks measure as
// processes: go build inside the module, a free loopback port, the
// process's output in a log file, and a wait for /readyz.
package proc

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otehub/hub/internal/loopback"
	"github.com/otehub/hub/internal/secantus"
)

// ModuleRoot returns the directory of the module's go.mod.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the hub's module: run from the repository")
	}
	return filepath.Dir(gomod), nil
}

// Build compiles the package pkg of the module into out.
func Build(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// Server is a server process a benchmark started.
type Server struct {
	Name    string
	URL     string // base URL, http://127.0.0.1:port
	LogPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error // the process's exit, once exited is closed
	// StartToReady is the time from starting the process to the first
	// 200 of /readyz; ReadyBody is that answer.
	StartToReady time.Duration
	ReadyBody    []byte
}

// Start runs bin with env added to the benchmark's own, on a free
// loopback port (env PORT), its output in logPath, and waits until GET
// /readyz answers 200 or timeout passes.
func Start(ctx context.Context, name, bin string, env []string, logPath string, timeout time.Duration) (*Server, error) {
	port, err := loopback.ReservePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), env...), "PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &Server{Name: name, URL: fmt.Sprintf("http://127.0.0.1:%d", port), LogPath: logPath, cmd: cmd, exited: make(chan struct{})}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, began, timeout); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls /readyz; the interval is short because the time to
// ready is one of the figures reported.
func (s *Server) waitReady(ctx context.Context, began time.Time, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := began.Add(timeout)
	for {
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.StartToReady, s.ReadyBody = time.Since(began), body
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before it was ready (%v); its log %s ends:\n%s", s.Name, s.err, s.LogPath, Tail(s.LogPath, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was not ready within %v; its log %s ends:\n%s", s.Name, timeout, s.LogPath, Tail(s.LogPath, 20))
		}
	}
}

// Stop ends the process: SIGTERM, then SIGKILL after 15 seconds.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// PeakRSS is the most resident memory the process has held so far
// (VmHWM of /proc/<pid>/status, Linux only), in bytes.
func (s *Server) PeakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// Running fails when the process has exited.
func (s *Server) Running() error {
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited (%v); its log %s ends:\n%s", s.Name, s.err, s.LogPath, Tail(s.LogPath, 20))
	default:
		return nil
	}
}

// Tail returns the last n lines of a file, for error messages.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// LoadAverage is the host's 1-minute load average, or "?".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	one, _, _ := strings.Cut(string(b), " ")
	return one
}

// CPUModel is the CPU's model name, or GOARCH.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// Main is the main of a benchmark command: it parses the flags with
// parse (-h prints the usage and exits 0, a bad flag exits 2), runs run
// until it ends or the process is interrupted, and exits 1 when it
// fails. Progress goes to standard error, prefixed with name.
func Main[C any](name string, parse func([]string) (C, error), run func(ctx context.Context, cfg C, out io.Writer, progress *log.Logger) error) {
	cfg, err := parse(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return // -h: the usage is printed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := log.New(os.Stderr, name+": ", log.Ltime)
	if err := run(ctx, cfg, os.Stdout, progress); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, name+": FAILED:", err)
		os.Exit(1)
	}
}

// WorkDir returns the directory a run works in: dir (created if need
// be), or a new temporary one named after prefix; the returned function
// removes it unless keep is set.
func WorkDir(dir, prefix string, keep bool, progress *log.Logger) (string, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", prefix+"-")
		if err != nil {
			return "", nil, err
		}
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	if keep {
		progress.Printf("work directory (kept): %s", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// Names parses a comma-separated list of some of known, in its order.
func Names(flag, list string, known ...string) ([]string, error) {
	var out []string
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case !slices.Contains(known, s):
			return nil, fmt.Errorf("%s: unknown %q (want %s)", flag, s, strings.Join(known, ", "))
		case !slices.Contains(out, s):
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names nothing", flag)
	}
	return out, nil
}

// Counts parses a comma-separated list of positive numbers.
func Counts(flag, list string) ([]int, error) {
	var out []int
	for s := range strings.SplitSeq(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flag, s)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names nothing", flag)
	}
	return out, nil
}

// Parse parses a benchmark's flags, refusing arguments that are not
// flags; with short set, it applies the defaults of its short run to
// the flags not given explicitly (each function sets one flag's value).
func Parse(fs *flag.FlagSet, args []string, short *bool, shortDefaults map[string]func()) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if !*short {
		return nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, apply := range shortDefaults {
		if !set[name] {
			apply()
		}
	}
	return nil
}

// ShortRunBackends returns the arguments that limit a benchmark's test
// run to the embedded store when SecantusDB is not installed, logging
// so; under CI a missing SecantusDB fails the test instead.
func ShortRunBackends(t testing.TB) []string {
	t.Helper()
	if _, err := secantus.Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("SecantusDB is needed under CI: %v", err)
		}
		t.Logf("SKIPPING the MongoDB backend: %v (run make test, or set %s)", err, secantus.BinaryEnv)
		return []string{"-backends", "embedded"}
	}
	return nil
}
