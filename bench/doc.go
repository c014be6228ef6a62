// Package bench holds the hub's in-process benchmarks: representative
// GraphQL queries through the real handler (graph.NewHandler, through
// httptest) over the index of a synthetic network of 10 000
// organisations and 100 000 relationships (synthetic.Default10k). Every
// read is answered from the index whatever the store, so the index is
// filled once per process from the embedded store; bench/httpbench runs
// the hub as a process on both stores.
//
// Each benchmark checks its first answer against counts taken from the
// generated network, then holds every timed answer to the first one,
// byte for byte. The network is generated and loaded only when a
// benchmark runs:
//
//	make bench
//	go test -run '^$' -bench . -benchmem -count 3 ./bench/
//
// BenchmarkApply measures writes through index.Live on both stores
// (the embedded one and MongoDB, on SecantusDB when MONGODB_URI is not
// set), on the OTE dataset and on the 10k network; bench/writebench
// sends mutations to the hub as a process.
//
// The package's own code is what the benchmarks and bench/httpbench
// share: the queries and the counts their answers must hold. See
// docs/performance.md for the figures and how they were measured.
package bench
