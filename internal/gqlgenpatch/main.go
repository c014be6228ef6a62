// Command gqlgenpatch edits the executor gqlgen generates, after each
// `go generate`, where gqlgen offers no setting for what we need. In
// every function that marshals an object:
//
//   - the object's @defer group comes from gqlexec.DeferredGroup, which
//     builds one only when a field of the object is deferred;
//   - the object is written by gqlexec.Object instead of its field set's
//     own MarshalGQL.
//
// Every field whose one argument is a language takes its arguments
// from gqlexec.CachedArgs, once per field of the query, instead of
// computing them for every object. A response's data is written into a
// gqlexec.ResponseBuffer, which reuses the room of earlier ones. And
// lists are marshalled by gqlexec.MarshalSlice, which marshals the
// elements in place when the selection on them asks for nothing to wait
// for.
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

// The lines of an object's marshalling function that the patch reads and
// edits, as gqlgen generates them.
const (
	collectLine  = "\tfields := graphql.CollectFields(ec.OperationContext, sel, "
	fieldSetLine = "\tout := graphql.NewFieldSet(fields)\n"
	eagerGroup   = "\tdeferred := graphql.NewDeferredGroup(ctx)\n"
	lazyGroup    = "\tdeferred := gqlexec.DeferredGroup(ctx, fields)\n"
	fieldSetOut  = "\treturn out\n"
	objectOut    = "\treturn gqlexec.Object(fields, out)\n"
	importBlock  = "import (\n"
	patchImport  = "import (\n\t\"github.com/otehub/hub/graph/gqlexec\"\n"
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

// patch returns src with every edit made, in turn.
func patch(src []byte) ([]byte, error) {
	if bytes.Contains(src, []byte(lazyGroup)) {
		return nil, fmt.Errorf("already patched: run gqlgen first")
	}
	if !bytes.Contains(src, []byte(importBlock)) {
		return nil, fmt.Errorf("no import block")
	}
	for _, edit := range []func([]byte) ([]byte, error){editObjects, cacheLanguageArgs, reuseResponseBuffers, marshalListsInPlace} {
		var err error
		if src, err = edit(src); err != nil {
			return nil, err
		}
	}
	return format.Source(bytes.Replace(src, []byte(importBlock), []byte(patchImport), 1))
}

// editObjects edits every function that marshals an object.
func editObjects(src []byte) ([]byte, error) {
	// The zero group is only safe where the executor reads a group for
	// deferred fields alone: any other use must be looked at.
	if line := unexpectedUse(src); line != "" {
		return nil, fmt.Errorf("the executor uses an object's @defer group in a way this patch does not know: %q", line)
	}
	out, objects, err := editFunctions(src, editObject)
	if err != nil {
		return nil, err
	}
	if objects == 0 {
		return nil, fmt.Errorf("no object marshalling functions: has gqlgen changed how it writes them?")
	}
	if n := bytes.Count(out, []byte("graphql.NewDeferredGroup(")); n > 0 {
		return nil, fmt.Errorf("%d @defer groups built outside an object's marshalling function", n)
	}
	return out, nil
}

// editFunctions returns src with edit applied to each of its functions,
// and the number of edits edit reports.
func editFunctions(src []byte, edit func(fn []byte) (edited []byte, edits int, err error)) ([]byte, int, error) {
	var out bytes.Buffer
	total := 0
	for fn := range functions(src) {
		edited, edits, err := edit(fn)
		if err != nil {
			return nil, 0, err
		}
		total += edits
		out.Write(edited)
	}
	return out.Bytes(), total, nil
}

// Lists of objects are marshalled by graphql.MarshalSliceConcurrently,
// in functions that have the selection on the elements as sel.
const (
	concurrentList = "graphql.MarshalSliceConcurrently(ctx, len(v), "
	listInPlace    = "gqlexec.MarshalSlice(ctx, sel, len(v), "
	selParam       = "sel ast.SelectionSet"
)

// marshalListsInPlace makes every list marshalled by gqlexec.MarshalSlice,
// which needs the selection on the elements.
func marshalListsInPlace(src []byte) ([]byte, error) {
	out, lists, err := editFunctions(src, func(fn []byte) ([]byte, int, error) {
		n := bytes.Count(fn, []byte(concurrentList))
		if n == 0 {
			return fn, 0, nil
		}
		name, _, _ := bytes.Cut(fn, []byte("\n"))
		if !bytes.Contains(name, []byte(selParam)) {
			return nil, 0, fmt.Errorf("%s: marshals a list without the selection as sel", name)
		}
		return bytes.ReplaceAll(fn, []byte(concurrentList), []byte(listInPlace)), n, nil
	})
	if err != nil {
		return nil, err
	}
	if lists == 0 {
		return nil, fmt.Errorf("no list marshalled by %q: has gqlgen changed how it marshals lists?", concurrentList)
	}
	if bytes.Contains(out, []byte("graphql.MarshalSliceConcurrently(")) {
		return nil, fmt.Errorf("graphql.MarshalSliceConcurrently called in another form")
	}
	return out, nil
}

// The executor writes a response's data into a buffer of its own, the
// only use of package bytes in the file.
const (
	ownBuffer    = "\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n"
	reusedBuffer = "\t\t\tbuf := gqlexec.ResponseBuffer()\n\t\t\tdata.MarshalGQL(buf)\n"
	bytesImport  = "\t\"bytes\"\n"
)

// reuseResponseBuffers makes the executor write responses into
// gqlexec.ResponseBuffer.
func reuseResponseBuffers(src []byte) ([]byte, error) {
	if n := bytes.Count(src, []byte(ownBuffer)); n != 1 {
		return nil, fmt.Errorf("the response's data is written into its own buffer %d times, not once: has gqlgen changed how it writes a response?", n)
	}
	src = bytes.Replace(src, []byte(ownBuffer), []byte(reusedBuffer), 1)
	if bytes.Contains(src, []byte("bytes.")) {
		return nil, fmt.Errorf("package bytes is used for more than the response's buffer")
	}
	if !bytes.Contains(src, []byte(bytesImport)) {
		return nil, fmt.Errorf("no import of package bytes")
	}
	return bytes.Replace(src, []byte(bytesImport), nil, 1), nil
}

// argsFunction matches the start of the function that computes a field's
// arguments from the raw ones.
var argsFunction = regexp.MustCompile(`^func \(ec \*executionContext\) (field_\w+_args)\(ctx context\.Context, rawArgs map\[string\]any\) \(map\[string\]any, error\) \{`)

// languageEnum matches the unmarshalling of the Language enum.
var languageEnum = regexp.MustCompile(`ec\.unmarshal[NO]Language2`)

// cacheLanguageArgs makes the fields whose one argument is "language"
// take their arguments from gqlexec.CachedArgs. A field's arguments are
// computed where its field context is built, from
// field.ArgumentMap(ec.Variables); each must be there once.
func cacheLanguageArgs(src []byte) ([]byte, error) {
	var names []string
	for fn := range functions(src) {
		m := argsFunction.FindSubmatch(fn)
		if m == nil {
			continue
		}
		// One argument, named language, of the Language enum, with no
		// directive to run each time it is computed.
		if bytes.Count(fn, []byte("graphql.ProcessArgField(ctx, rawArgs, ")) == 1 &&
			bytes.Contains(fn, []byte(`graphql.ProcessArgField(ctx, rawArgs, "language",`)) &&
			languageEnum.Match(fn) && !bytes.Contains(bytes.ToLower(fn), []byte("directive")) {
			names = append(names, string(m[1]))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no field takes only a language: has gqlgen changed how it computes arguments?")
	}
	for _, name := range names {
		eager := []byte("ec." + name + "(ctx, field.ArgumentMap(ec.Variables))")
		if n := bytes.Count(src, eager); n != 1 {
			return nil, fmt.Errorf("%s: computed %d times from field.ArgumentMap(ec.Variables), not once", name, n)
		}
		src = bytes.Replace(src, eager, []byte(`gqlexec.CachedArgs(ctx, field, ec.Variables, "`+name+`", ec.`+name+")"), 1)
	}
	return src, nil
}

// editObject edits fn, one edit, when it marshals an object: it builds
// a @defer group. Such a function must collect its fields, build its
// field set from them and return that field set once, at its end;
// otherwise gqlgen has changed and the patch says so.
func editObject(fn []byte) (edited []byte, objects int, err error) {
	if !bytes.Contains(fn, []byte(eagerGroup)) {
		return fn, 0, nil
	}
	name, _, _ := bytes.Cut(fn, []byte("\n"))
	collect := bytes.Index(fn, []byte(collectLine))
	fieldSet := bytes.Index(fn, []byte(fieldSetLine))
	group := bytes.Index(fn, []byte(eagerGroup))
	ret := bytes.Index(fn, []byte(fieldSetOut))
	switch {
	case bytes.Count(fn, []byte(eagerGroup)) != 1 || bytes.Count(fn, []byte(fieldSetOut)) != 1:
		return nil, 0, fmt.Errorf("%s: not one @defer group and one return of the field set", name)
	case collect < 0 || fieldSet < collect || group < fieldSet || ret < group:
		return nil, 0, fmt.Errorf("%s: not CollectFields, NewFieldSet, NewDeferredGroup, ..., return out", name)
	}
	edited = bytes.Replace(fn, []byte(eagerGroup), []byte(lazyGroup), 1)
	edited = bytes.Replace(edited, []byte(fieldSetOut), []byte(objectOut), 1)
	return edited, 1, nil
}

// functions yields src in pieces that each start at a top-level func
// (the first piece holds what comes before the first).
func functions(src []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		start := 0
		for i := 0; i < len(src); {
			next := bytes.Index(src[i:], []byte("\nfunc "))
			if next < 0 {
				break
			}
			i += next + 1
			if !yield(src[start:i]) {
				return
			}
			start = i
		}
		yield(src[start:])
	}
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
