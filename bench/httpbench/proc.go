package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot returns the directory of the module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
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

// build compiles the package pkg of the module into out.
func build(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// server is a server process the benchmark started.
type server struct {
	name    string
	url     string // base URL, http://127.0.0.1:port
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error // the process's exit, once exited is closed
	// startToReady is the time from starting the process to the first
	// 200 of /readyz; readyBody is that answer.
	startToReady time.Duration
	readyBody    []byte
}

// startServer runs bin with env added to the benchmark's own, on a free
// loopback port (env PORT), its output in logPath, and waits until GET
// /readyz answers 200 or timeout passes.
func startServer(ctx context.Context, name, bin string, env []string, logPath string, timeout time.Duration) (*server, error) {
	port, err := freePort()
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
	s := &server{name: name, url: fmt.Sprintf("http://127.0.0.1:%d", port), logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, began, timeout); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls /readyz; the interval is short because the time to
// ready is one of the figures reported.
func (s *server) waitReady(ctx context.Context, began time.Time, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := began.Add(timeout)
	for {
		resp, err := client.Get(s.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.startToReady, s.readyBody = time.Since(began), body
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before it was ready (%v); its log %s ends:\n%s", s.name, s.err, s.logPath, tail(s.logPath, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was not ready within %v; its log %s ends:\n%s", s.name, timeout, s.logPath, tail(s.logPath, 20))
		}
	}
}

// stop ends the process: SIGTERM, then SIGKILL after 15 seconds.
func (s *server) stop() {
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

// running fails when the process has exited.
func (s *server) running() error {
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited (%v); its log %s ends:\n%s", s.name, s.err, s.logPath, tail(s.logPath, 20))
	default:
		return nil
	}
}

// loadLine finds the hub's log line about loading its index: the first
// line whose message says the network or index was loaded, and the
// duration it gives (its first attribute whose value is a duration).
func loadLine(logPath string) (line string, took time.Duration, ok bool) {
	f, err := os.Open(logPath)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		msg := strings.ToLower(logMessage(l))
		if !strings.Contains(msg, "loaded") || !(strings.Contains(msg, "network") || strings.Contains(msg, "index")) {
			continue
		}
		for _, field := range strings.Fields(l) {
			_, v, found := strings.Cut(field, "=")
			v = strings.Trim(v, `"`)
			// "0" is the one duration without a unit: a count, here.
			if d, err := time.ParseDuration(v); found && v != "0" && err == nil {
				return l, d, true
			}
		}
		return l, 0, false
	}
	return "", 0, false
}

// logMessage returns the msg of a log/slog text line, or the whole line.
func logMessage(line string) string {
	_, rest, found := strings.Cut(line, "msg=")
	if !found {
		return line
	}
	if strings.HasPrefix(rest, `"`) {
		if s, err := strconv.QuotedPrefix(rest); err == nil {
			return s
		}
	}
	msg, _, _ := strings.Cut(rest, " ")
	return msg
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
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

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
