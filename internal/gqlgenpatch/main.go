// Command gqlgenpatch edits the executor gqlgen generates, after each
// `go generate`, where gqlgen offers no setting for what we need:
//
//   - every object's @defer group comes from lazydefer.Group, which builds
//     one only for objects with a deferred field.
//
// It fails, and so does go generate, when the code it edits is not there
// exactly as expected: a gqlgen upgrade that changes it must be looked at,
// not patched blindly.
//
// Usage: go run ./internal/gqlgenpatch graph/generated/generated.go
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"regexp"
	"strings"
)

const (
	// gqlgen creates each object's group after collecting its fields.
	collected   = "\tfields := graphql.CollectFields(ec.OperationContext, sel, "
	eagerGroup  = "\tdeferred := graphql.NewDeferredGroup(ctx)\n"
	lazyGroup   = "\tdeferred := lazydefer.Group(ctx, fields)\n"
	importBlock = "import (\n"
	lazyImport  = "import (\n\t\"github.com/otehub/hub/graph/lazydefer\"\n"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gqlgenpatch generated.go")
		os.Exit(2)
	}
	if err := patchFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgenpatch:", err)
		os.Exit(1)
	}
}

func patchFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := patch(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// patch returns src with every eager @defer group made lazy.
func patch(src []byte) ([]byte, error) {
	groups := bytes.Count(src, []byte(eagerGroup))
	if groups == 0 && bytes.Contains(src, []byte(lazyGroup)) {
		return nil, fmt.Errorf("already patched: run gqlgen first")
	}
	if groups == 0 {
		return nil, fmt.Errorf("no %q: has gqlgen changed how it builds @defer groups?", bytes.TrimSpace([]byte(eagerGroup)))
	}
	// The zero group is only safe where the executor reads a group for
	// deferred fields alone: any other use must be looked at.
	if line := unexpectedUse(src); line != "" {
		return nil, fmt.Errorf("the executor uses an object's @defer group in a way this patch does not know: %q", line)
	}
	if all := bytes.Count(src, []byte("graphql.NewDeferredGroup(")); all != groups {
		return nil, fmt.Errorf("%d calls of graphql.NewDeferredGroup, %d of them in the expected form", all, groups)
	}
	// lazydefer.Group needs the object's fields: each group must follow
	// the collection of its fields.
	if after := countAfterCollect(src); after != groups {
		return nil, fmt.Errorf("%d @defer groups, %d of them after the object's CollectFields", groups, after)
	}
	if !bytes.Contains(src, []byte(importBlock)) {
		return nil, fmt.Errorf("no import block")
	}
	out := bytes.ReplaceAll(src, []byte(eagerGroup), []byte(lazyGroup))
	out = bytes.Replace(out, []byte(importBlock), []byte(lazyImport), 1)
	return format.Source(out)
}

// groupUse matches the lines that name an object's @defer group.
var groupUse = regexp.MustCompile(`\bdeferred\b`)

// knownUses are those lines, trimmed, as gqlgen generates them: the
// group is built, handed to the concurrent field resolution (which reads
// it only for a deferred field), and read for its deferred labels.
var knownUses = []string{
	strings.TrimSpace(eagerGroup),
	"if n := len(deferred.Defers); n > 0 {",
	"ec.ProcessDeferredGroup(deferred)",
	"out.ResolveConcurrently(ec.OperationContext, &deferred, i,",
}

// unexpectedUse returns the first line that names a group otherwise.
func unexpectedUse(src []byte) string {
	for line := range bytes.Lines(src) {
		if !groupUse.Match(line) {
			continue
		}
		trimmed := strings.TrimSpace(string(line))
		known := false
		for _, use := range knownUses {
			if strings.HasPrefix(trimmed, use) {
				known = true
				break
			}
		}
		if !known {
			return trimmed
		}
	}
	return ""
}

// countAfterCollect counts the eager groups created in a function that
// has collected its fields before.
func countAfterCollect(src []byte) int {
	n := 0
	collectedInFunc := false
	for line := range bytes.Lines(src) {
		switch {
		case bytes.HasPrefix(line, []byte("func ")):
			collectedInFunc = false
		case bytes.HasPrefix(line, []byte(collected)):
			collectedInFunc = true
		case bytes.Equal(line, []byte(eagerGroup)) && collectedInFunc:
			n++
		}
	}
	return n
}
