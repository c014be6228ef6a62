// Package floor is the HTTP benchmark's floor: a stock gqlgen server
// (handler.New with the POST transport and gqlgen's parsed-query cache)
// that serves the benchmark's three query shapes from objects held in
// memory. Its root resolvers return a prepared answer and every other
// field is a struct field, so a request costs what gqlgen and net/http
// cost to parse, validate, execute and write that response, and nothing
// for finding the data. The hub's latency divided by the floor's is
// then what the hub's own work adds (see bench/httpbench).
//
// The answers are the hub's: the benchmark asks the running hub each
// query once and decodes the data into package model's structs
// (Answers). The schema (schema.graphqls) has only the fields those
// queries select, with the hub's names and nesting.
package floor

//go:generate go -C ../.. tool gqlgen generate --config bench/floor/gqlgen.yml
