// Command gqlgenseq runs after gqlgen and marshals in line the lists whose
// elements gqlgen itself resolves without goroutines.
//
// gqlgen marshals every list of objects, interfaces or enums with
// graphql.MarshalSliceConcurrently, which starts a goroutine per element.
// That pays when an element's fields wait on I/O. gqlgen already knows
// when they cannot: an object whose fields are all struct fields or
// methods without a context is not concurrent (codegen.Object's
// IsConcurrent), and gqlgen resolves its fields in line. For a list of
// such elements (or of interfaces all of whose implementors are such
// objects, or of enums) the goroutines buy nothing but their start and
// their stack growth.
//
// gqlgenseq loads gqlgen's configuration and builds gqlgen's codegen data
// as `gqlgen generate` does, and rewrites the executor gqlgen wrote: in
// the marshal functions of exactly those lists, the call of
// graphql.MarshalSliceConcurrently becomes a call of
// marshalSliceSequentially, a function with the same signature and
// contract, without goroutines, that it appends to the file. It checks
// first that the file is the one gqlgen generated from this data (every
// object concurrent in the file exactly when the data says so, every list
// marshal function where the data puts it) and exits non-zero, saying
// what it did not find, otherwise.
//
// Usage, from go generate after gqlgen:
//
//	go run ./internal/gqlgenseq [-config gqlgen.yml]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

func main() {
	// gqlgen's binder logs what it tries; gqlgen's command discards it too.
	log.SetOutput(io.Discard)
	cfgPath := flag.String("config", "", "gqlgen configuration `file` (default: gqlgen's default locations)")
	flag.Parse()
	if err := run(*cfgPath); err != nil {
		fmt.Fprintf(os.Stderr, "gqlgenseq: %v\n", err)
		os.Exit(1)
	}
}

// run rewrites the executor of the configuration at cfgPath.
func run(cfgPath string) error {
	data, err := load(cfgPath)
	if err != nil {
		return err
	}
	name := data.Config.Exec.Filename
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := rewrite(src, data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	return os.WriteFile(name, out, fi.Mode().Perm())
}
