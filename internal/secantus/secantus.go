// Package secantus starts SecantusDB servers for tests: a single-node,
// MongoDB-wire-compatible server (installed by scripts/install-secantus.sh)
// that the official driver talks to unchanged. Tests can stop and restart
// a server to exercise the MongoDB backend's fault handling.
package secantus

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/otehub/hub/internal/loopback"
)

// BinaryEnv names the variable that holds the server command's path; the
// Makefile sets it after installing SecantusDB.
const BinaryEnv = "HUB_SECANTUSD"

// Binary returns the path of the SecantusDB server command: $HUB_SECANTUSD,
// or .venv/bin/secantusd-py in the module root.
func Binary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".venv", "bin", "secantusd-py")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "", errors.New("SecantusDB is not installed: run scripts/install-secantus.sh (make test does)")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("SecantusDB is not installed and no module root found")
		}
		dir = parent
	}
}

// Server is a running (or stopped) SecantusDB process.
type Server struct {
	bin     string
	port    int
	storage string
	logPath string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a server on a free loopback port. With an empty storage
// directory the data is ephemeral (deleted at Stop); with a directory it
// survives Stop and Restart.
func Start(storage string, logPath string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	port, err := loopback.ReservePort()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, port: port, storage: storage, logPath: logPath}
	return s, s.Restart()
}

// URI is the server's connection string with database db.
func (s *Server) URI(db string) string {
	return fmt.Sprintf("mongodb://127.0.0.1:%d/%s", s.port, db)
}

// Port is the server's TCP port.
func (s *Server) Port() int { return s.port }

// Restart starts the server process again on the same port and storage.
// It returns once the port accepts connections.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("secantus: already running")
	}
	storage := s.storage
	if storage == "" {
		storage = ":memory:"
	}
	cmd := exec.Command(s.bin, "--host", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--storage-path", storage, "--log-level", "WARNING")
	if s.logPath != "" {
		f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	// Its own process group, so that stopping it also stops any children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("secantus: start %s: %w", s.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			return fmt.Errorf("secantus: server exited at start (%v); see %s", err, s.logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			return fmt.Errorf("secantus: server did not listen on port %d within 60s", s.port)
		}
	}
	s.cmd = cmd
	go func() {
		<-exited
		s.mu.Lock()
		if s.cmd == cmd {
			s.cmd = nil
		}
		s.mu.Unlock()
	}()
	return nil
}

// RestartIn starts the server again on the same port with the storage
// directory storage from now on: a new, empty directory is a server
// restarted without its data, the old one its data restored.
func (s *Server) RestartIn(storage string) error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return errors.New("secantus: already running")
	}
	s.storage = storage
	s.mu.Unlock()
	return s.Restart()
}

// Storage is the storage directory the server runs (or last ran) on.
func (s *Server) Storage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storage
}

// Freeze stops the server's processes with SIGSTOP: its port still
// accepts connections, which the kernel queues, but nothing answers, as
// with a server stalled on its disk or paused by its host. Thaw resumes
// it.
func (s *Server) Freeze() error { return s.pause(syscall.SIGSTOP) }

// Thaw resumes a frozen server with SIGCONT.
func (s *Server) Thaw() error { return s.pause(syscall.SIGCONT) }

func (s *Server) pause(sig syscall.Signal) error {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("secantus: not running")
	}
	return syscall.Kill(-cmd.Process.Pid, sig)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10s) and waits
// until the port is free.
func (s *Server) Stop() error { return s.signal(syscall.SIGTERM) }

// Kill stops the server abruptly, like a crash.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	// A frozen server must run again to act on a SIGTERM.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
	syscall.Kill(-cmd.Process.Pid, sig)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		running := s.cmd == cmd
		s.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			deadline = time.Now().Add(10 * time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The port must be free before a restart binds it again.
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 100*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("secantus: port %d still accepts connections after stop", s.port)
}
