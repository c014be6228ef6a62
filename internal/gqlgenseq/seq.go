package main

import (
	"errors"
	"fmt"
	"go/format"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

// load builds gqlgen's codegen data for the configuration at cfgPath (or
// at gqlgen's default locations when it is empty), in the steps of
// api.Generate, without the plugins, which write files.
func load(cfgPath string) (*codegen.Data, error) {
	var (
		cfg *config.Config
		err error
	)
	if cfgPath == "" {
		cfg, err = config.LoadConfigFromDefaultLocations()
	} else {
		cfg, err = config.LoadConfig(cfgPath)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Federation.IsDefined() {
		// Its plugin adds types to the schema, which this data would lack.
		return nil, errors.New("federation is not supported")
	}
	if cfg.Model.IsDefined() && !slices.Contains(cfg.AutoBind, cfg.Model.ImportPath()) {
		// gqlgen's model plugin puts the models it generates in the type
		// map; gqlgen has written them by now, so binding their package
		// finds the same types.
		cfg.AutoBind = append(cfg.AutoBind, cfg.Model.ImportPath())
	}
	if err := cfg.LoadSchema(); err != nil {
		return nil, fmt.Errorf("load the schema: %w", err)
	}
	codegen.ClearInlineArgsMetadata()
	if err := codegen.ExpandInlineArguments(cfg.Schema); err != nil {
		return nil, fmt.Errorf("expand inline arguments: %w", err)
	}
	if err := cfg.Init(); err != nil {
		return nil, fmt.Errorf("bind the schema: %w", err)
	}
	if cfg.Exec.Layout != config.ExecLayoutSingleFile {
		return nil, fmt.Errorf("exec layout %q is not supported, only %q", cfg.Exec.Layout, config.ExecLayoutSingleFile)
	}
	return codegen.BuildData(cfg)
}

const (
	// concurrentCall is how gqlgen's type.gotpl calls the list marshaler.
	concurrentCall = "graphql.MarshalSliceConcurrently(ctx, len(v), "
	sequentialFunc = "marshalSliceSequentially"
)

// sequentialHelper has graphql.MarshalSliceConcurrently's signature and
// contract, so that a call of one becomes a call of the other by name.
const sequentialHelper = `
// ` + sequentialFunc + ` is graphql.MarshalSliceConcurrently without
// goroutines, for the lists whose elements gqlgen resolves without them
// (written after gqlgen by gqlgenseq). Each element is marshalled in turn
// in a field context with its index; a panic, unless omitPanicHandler,
// adds an error and leaves the element null. There are no goroutines for
// a workerLimit to bound.
func ` + sequentialFunc + `(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		ctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(ctx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(ctx, graphql.Recover(ctx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(ctx, i)
		}()
	}
	return ret
}
`

// notGqlgens ends the errors that say the file does not match the data.
const notGqlgens = "the file is not gqlgen's output for this configuration (run gqlgen first), or gqlgen's templates changed"

// rewrite returns src, the executor gqlgen generated from data, with the
// lists whose elements are not concurrent marshalled in line.
func rewrite(src []byte, data *codegen.Data) ([]byte, error) {
	text := string(src)
	if strings.Contains(text, "\nfunc "+sequentialFunc+"(") {
		return nil, fmt.Errorf("%s is already there: run gqlgen first", sequentialFunc)
	}
	// The file must be gqlgen's output for data: each object resolves
	// fields concurrently in it exactly when data says it is concurrent.
	for _, o := range data.Objects {
		if o.Root {
			continue
		}
		body, err := function(text, data.FuncReceiver()+"_"+o.Name)
		if err != nil {
			return nil, err
		}
		if inFile := strings.Contains(body, "ResolveConcurrently("); inFile != o.IsConcurrent() {
			return nil, fmt.Errorf("object %s: concurrent %v in gqlgen's data but %v in the file: %s", o.Name, o.IsConcurrent(), inFile, notGqlgens)
		}
	}
	var lists []*config.TypeReference
	for _, ref := range data.ReferencedTypes {
		if ref.IsSlice() && !ref.IsScalar() && ref.MarshalFunc() != "" {
			lists = append(lists, ref)
		}
	}
	if n := strings.Count(text, concurrentCall); n != len(lists) {
		return nil, fmt.Errorf("%d calls of %s...), but gqlgen's data has %d lists of objects, interfaces and enums: %s", n, concurrentCall, len(lists), notGqlgens)
	}
	slices.SortFunc(lists, func(a, b *config.TypeReference) int { return strings.Compare(a.MarshalFunc(), b.MarshalFunc()) })
	for _, ref := range lists {
		if !sequential(data, ref) {
			continue
		}
		name := data.FuncReceiver() + ref.MarshalFunc()
		body, err := function(text, name)
		if err != nil {
			return nil, err
		}
		if n := strings.Count(body, concurrentCall); n != 1 {
			return nil, fmt.Errorf("%s: %d calls of %s...), want 1: %s", ref.MarshalFunc(), n, concurrentCall, notGqlgens)
		}
		seq := strings.Replace(body, "graphql.MarshalSliceConcurrently(", sequentialFunc+"(", 1)
		text = strings.Replace(text, body, seq, 1)
	}
	out, err := format.Source([]byte(text + sequentialHelper))
	if err != nil {
		return nil, fmt.Errorf("the rewritten file does not parse: %w", err)
	}
	return out, nil
}

// sequential reports whether the elements of the list ref are resolved
// without goroutines of their own: enums, and objects, interfaces and
// unions that are not concurrent. Lists of lists keep gqlgen's
// marshaler.
func sequential(data *codegen.Data, ref *config.TypeReference) bool {
	if ref.Elem().IsSlice() {
		return false
	}
	if ref.Definition.Kind == ast.Enum {
		return true
	}
	return !concurrent(data, ref.Definition.Name, nil)
}

// concurrent reports whether gqlgen resolves a field of the object,
// interface or union name in a goroutine: for an object, what
// codegen.Object says; for an interface or union, whether that holds of
// one of its implementors (objects, or interfaces in turn), as its
// marshaler hands each value to the implementor's. A name that is none of
// these counts as concurrent.
func concurrent(data *codegen.Data, name string, seen []string) bool {
	if o := data.Objects.ByName(name); o != nil {
		return o.IsConcurrent()
	}
	in := data.Interfaces[name]
	if in == nil || slices.Contains(seen, name) {
		return in == nil
	}
	for _, impl := range in.Implementors {
		if concurrent(data, impl.Name, append(seen, name)) {
			return true
		}
	}
	return false
}

// function returns the text of the top-level function whose declaration
// starts "func "+name+"(ctx context.Context, ", from func to its closing
// brace.
func function(text, name string) (string, error) {
	head := "\nfunc " + name + "(ctx context.Context, "
	switch n := strings.Count(text, head); n {
	case 1:
	case 0:
		return "", fmt.Errorf("func %s not found: %s", name, notGqlgens)
	default:
		return "", fmt.Errorf("func %s found %d times: %s", name, n, notGqlgens)
	}
	start := strings.Index(text, head) + 1
	end := strings.Index(text[start:], "\n}\n")
	if end < 0 {
		return "", fmt.Errorf("func %s has no end: %s", name, notGqlgens)
	}
	return text[start : start+end+len("\n}\n")], nil
}
