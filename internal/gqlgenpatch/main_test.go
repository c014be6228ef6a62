package main

import (
	"os"
	"strings"
	"testing"
)

// executor is the shape of gqlgen's generated code that patch edits.
const executor = `package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

func (ec *executionContext) _Pilot(ctx context.Context, sel ast.SelectionSet, obj *model.Pilot) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, pilotImplementors)

	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	return out
}

func (ec *executionContext) _Query(ctx context.Context, sel ast.SelectionSet) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, queryImplementors)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{
		Object: "Query",
	})

	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	for i, field := range fields {
		out.ResolveConcurrently(ec.OperationContext, &deferred, i, true, true, nil)
	}
	out.Dispatch(ctx)
	if n := len(deferred.Defers); n > 0 {
		ec.ProcessDeferredGroup(deferred)
	}
	return out
}
`

func TestPatch(t *testing.T) {
	got, err := patch([]byte(executor))
	if err != nil {
		t.Fatal(err)
	}
	src := string(got)
	if n := strings.Count(src, "deferred := lazydefer.Group(ctx, fields)"); n != 2 {
		t.Errorf("%d lazy groups, want 2:\n%s", n, src)
	}
	if strings.Contains(src, "NewDeferredGroup") {
		t.Errorf("an eager group is left:\n%s", src)
	}
	if !strings.Contains(src, `"github.com/otehub/hub/graph/lazydefer"`) {
		t.Errorf("no import of lazydefer:\n%s", src)
	}
}

func TestPatchRefusesUnexpectedCode(t *testing.T) {
	tests := []struct {
		name, src, why string
	}{
		{"no groups",
			strings.ReplaceAll(executor, "deferred := graphql.NewDeferredGroup(ctx)", "deferred := newGroup(ctx)"),
			"has gqlgen changed"},
		{"patched already",
			strings.ReplaceAll(executor, "deferred := graphql.NewDeferredGroup(ctx)", "deferred := lazydefer.Group(ctx, fields)"),
			"already patched"},
		{"a group read for every object",
			strings.Replace(executor, "\tout.Dispatch(ctx)\n", "\tout.Dispatch(ctx)\n\tlog(deferred.Path)\n", 1),
			`"log(deferred.Path)"`},
		{"a group built in another form",
			strings.Replace(executor, "\tdeferred := graphql.NewDeferredGroup(ctx)\n", "\tdeferred := graphql.NewDeferredGroup(ctx2)\n", 1),
			`"deferred := graphql.NewDeferredGroup(ctx2)"`},
		{"a group with no fields collected before it",
			strings.Replace(executor, "\tfields := graphql.CollectFields(ec.OperationContext, sel, queryImplementors)\n", "", 1),
			"1 of them after the object's CollectFields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := patch([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %v, want one saying %q", err, tc.why)
			}
		})
	}
}

// TestExecutorIsPatched checks the committed executor: go generate must
// have run the patch after gqlgen.
func TestExecutorIsPatched(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "graphql.NewDeferredGroup(") {
		t.Error("graph/generated/generated.go builds eager @defer groups: run go generate ./...")
	}
	if !strings.Contains(string(src), "lazydefer.Group(ctx, fields)") {
		t.Error("graph/generated/generated.go has no lazy @defer groups")
	}
}
