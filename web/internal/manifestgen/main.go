// Command manifestgen writes the trusted documents manifest of the
// playground's examples (web.ExamplesManifest).
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"

	"github.com/otehub/hub/web"
)

func main() {
	out := flag.String("o", "examples/manifest.json", "file to write")
	flag.Parse()
	m, err := web.ExamplesManifest()
	if err != nil {
		log.Fatal(err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}
