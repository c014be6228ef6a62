// Package bench holds the hub's end-to-end benchmarks: representative
// GraphQL queries through the real handler (graph.NewHandler) over a
// synthetic network of 10 000 organisations and 100 000 relationships
// (synthetic.Default10k), on the embedded store and on MongoDB. Besides
// ns/op and allocs/op every benchmark reports roundtrips/op: the store
// calls one query makes, which the batch loaders should keep independent
// of the number of rows.
//
// The package has no code of its own, only tests. Plain `go test` runs
// only its quick round-trip test; the network is generated and loaded
// (once per backend per process) only when a benchmark runs:
//
//	make bench
//	go test -run '^$' -bench . -benchmem -count 5 ./bench/
//
// MongoDB is the server in MONGODB_URI, or else a SecantusDB server the
// test binary starts (scripts/install-secantus.sh installs it; set
// HUB_SECANTUSD to its path when it is not in the module's .venv). See
// docs/performance.md for the figures and how they were measured.
package bench
