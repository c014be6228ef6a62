// Command server is the floor server of the HTTP benchmark: it serves
// POST /graphql from the answers file that bench/httpbench writes (see
// package floor), and GET /readyz once it listens.
//
//	FLOOR_ANSWERS=answers.json PORT=8081 go run ./bench/floor/server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/otehub/hub/bench/floor"
)

func main() {
	addr := flag.String("addr", ":"+envOr("PORT", "8081"), "listen address (env PORT gives :PORT)")
	answers := flag.String("answers", os.Getenv("FLOOR_ANSWERS"), "answers file written by bench/httpbench (env FLOOR_ANSWERS)")
	flag.Parse()
	if err := run(*addr, *answers); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(addr, answersPath string) error {
	if answersPath == "" {
		return errors.New("no answers file: set -answers or FLOOR_ANSWERS")
	}
	a, err := floor.ReadFile(answersPath)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", floor.NewHandler(a))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	// The hub's server timeouts, so that both servers treat connections
	// alike.
	srv := &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      40 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 16,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	log.Printf("floor server listening on %s", addr)
	select {
	case err := <-served:
		return fmt.Errorf("floor server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
