package main

import (
	"os"
	"strings"
	"testing"
)

// executor is the shape of gqlgen's generated code that patch edits.
const executor = `package generated

import (
	"bytes"
	"context"

	"github.com/99designs/gqlgen/graphql"
)

func (e *executableSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	return func(ctx context.Context) *graphql.Response {
		var response graphql.Response
		var data graphql.Marshaler
		if first {
			var buf bytes.Buffer
			data.MarshalGQL(&buf)
			response.Data = buf.Bytes()
		}
		return &response
	}
}

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

// list is the executor's marshalling of a list of objects.
const list = `
func (ec *executionContext) marshalNPilot2ᚕᚖPilotᚄ(ctx context.Context, sel ast.SelectionSet, v []*model.Pilot) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Pilot(ctx, sel, v[i])
	})
	return ret
}
`

// args are functions of the executor that marshal no object: the
// fields' arguments, one field taking a language only, one more.
const args = `
func (ec *executionContext) fieldContext_Pilot_name(ctx context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	if fc.Args, err = ec.field_Pilot_name_args(ctx, field.ArgumentMap(ec.Variables)); err != nil {
		return fc, err
	}
	return fc, nil
}

func (ec *executionContext) fieldContext_Query_pilots(ctx context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	if fc.Args, err = ec.field_Query_pilots_args(ctx, field.ArgumentMap(ec.Variables)); err != nil {
		return fc, err
	}
	return fc, nil
}

func (ec *executionContext) field_Pilot_name_args(ctx context.Context, rawArgs map[string]any) (map[string]any, error) {
	args := map[string]any{}
	arg0, err := graphql.ProcessArgField(ctx, rawArgs, "language",
		func(ctx context.Context, v any) (*model.Language, error) {
			return ec.unmarshalOLanguage2ᚖgithubᚗcomᚋotehubᚋhubᚋgraphᚋmodelᚐLanguage(ctx, v)
		})
	args["language"] = arg0
	return args, err
}

func (ec *executionContext) field_Query_pilots_args(ctx context.Context, rawArgs map[string]any) (map[string]any, error) {
	args := map[string]any{}
	arg0, err := graphql.ProcessArgField(ctx, rawArgs, "first", nil)
	args["first"] = arg0
	arg1, err := graphql.ProcessArgField(ctx, rawArgs, "language", nil)
	args["language"] = arg1
	return args, err
}
`

func TestPatch(t *testing.T) {
	got, err := patch([]byte(executor + args + list))
	if err != nil {
		t.Fatal(err)
	}
	src := string(got)
	for _, want := range []string{"deferred := gqlexec.DeferredGroup(ctx, fields)", "return gqlexec.Object(fields, out)"} {
		if n := strings.Count(src, want); n != 2 {
			t.Errorf("%d times %q, want 2:\n%s", n, want, src)
		}
	}
	if !strings.Contains(src, "ret := gqlexec.MarshalSlice(ctx, sel, len(v), 0, false, func") || strings.Contains(src, "MarshalSliceConcurrently") {
		t.Errorf("the list is not marshalled by gqlexec.MarshalSlice:\n%s", src)
	}
	if !strings.Contains(src, "buf := gqlexec.ResponseBuffer()\n\t\t\tdata.MarshalGQL(buf)\n") || strings.Contains(src, `"bytes"`) {
		t.Errorf("the response is not written into a reused buffer, or bytes is still imported:\n%s", src)
	}
	if strings.Contains(src, "NewDeferredGroup") {
		t.Errorf("an eager group is left:\n%s", src)
	}
	if !strings.Contains(src, `"github.com/otehub/hub/graph/gqlexec"`) {
		t.Errorf("no import of gqlexec:\n%s", src)
	}
	if want := strings.Replace(args, "ec.field_Pilot_name_args(ctx, field.ArgumentMap(ec.Variables))",
		`gqlexec.CachedArgs(ctx, field, ec.Variables, "field_Pilot_name_args", ec.field_Pilot_name_args)`, 1); !strings.Contains(src, want) {
		t.Errorf("not only the arguments of the field that takes a language alone were cached:\n%s", src)
	}
}

func TestPatchRefusesUnexpectedCode(t *testing.T) {
	tests := []struct {
		name, src, why string
	}{
		{"no objects",
			"package generated\n\nimport (\n\t\"context\"\n)\n" + args,
			"has gqlgen changed"},
		{"patched already",
			strings.ReplaceAll(executor, "deferred := graphql.NewDeferredGroup(ctx)", "deferred := gqlexec.DeferredGroup(ctx, fields)"),
			"already patched"},
		{"a group read for every object",
			strings.Replace(executor, "\tout.Dispatch(ctx)\n", "\tout.Dispatch(ctx)\n\tlog(deferred.Path)\n", 1),
			`"log(deferred.Path)"`},
		{"a group built in another form",
			strings.Replace(executor, "\tdeferred := graphql.NewDeferredGroup(ctx)\n", "\tdeferred := graphql.NewDeferredGroup(ctx2)\n", 1),
			`"deferred := graphql.NewDeferredGroup(ctx2)"`},
		{"a group with no fields collected before it",
			strings.Replace(executor, "\tfields := graphql.CollectFields(ec.OperationContext, sel, queryImplementors)\n", "", 1),
			"_Query(ctx context.Context, sel ast.SelectionSet) graphql.Marshaler {: not CollectFields"},
		{"an object that returns its field set twice",
			strings.Replace(executor, "\tout.Dispatch(ctx)\n", "\tout.Dispatch(ctx)\n\tif out.Invalids > 0 {\n\treturn out\n\t}\n", 1),
			"not one @defer group and one return of the field set"},
		{"no field that takes only a language",
			executor + strings.ReplaceAll(args, `"language"`, `"lang"`),
			"no field takes only a language"},
		{"a language argument with a directive",
			executor + strings.Replace(args, "return ec.unmarshalOLanguage2", "return ec.directives.Translate(ctx, ec.unmarshalOLanguage2", 1),
			"no field takes only a language"},
		{"a language argument of another type",
			executor + strings.Replace(args, "ec.unmarshalOLanguage2ᚖ", "ec.unmarshalOString2ᚖ", 1),
			"no field takes only a language"},
		{"arguments computed twice",
			executor + args + strings.Replace(args[:strings.Index(args, "func (ec *executionContext) fieldContext_Query_pilots")], "fieldContext_Pilot_name", "fieldContext_Pilot_name2", 1),
			"field_Pilot_name_args: computed 2 times"},
		{"no list marshalled concurrently",
			executor + args,
			"no list marshalled by"},
		{"a list marshalled without its selection as sel",
			executor + args + strings.Replace(list, "sel ast.SelectionSet", "s ast.SelectionSet", 1),
			"marshals a list without the selection as sel"},
		{"a list marshalled in another form",
			executor + args + list + strings.Replace(list, "ctx, len(v), 0", "ctx, n, 0", 1),
			"MarshalSliceConcurrently called in another form"},
		{"a response written otherwise",
			strings.Replace(executor+args+list, "data.MarshalGQL(&buf)", "data.MarshalGQL(&buf2)", 1),
			"written into its own buffer 0 times"},
		{"bytes used for more",
			executor + args + list + "\nvar sep = bytes.Repeat([]byte{'-'}, 3)\n",
			"package bytes is used for more"},
		{"an object that returns something else",
			strings.Replace(executor, "\tdeferred := graphql.NewDeferredGroup(ctx)\n\treturn out\n", "\tdeferred := graphql.NewDeferredGroup(ctx)\n\treturn other\n", 1),
			"_Pilot(ctx context.Context, sel ast.SelectionSet, obj *model.Pilot) graphql.Marshaler {: not one @defer group"},
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
	if !strings.Contains(string(src), "gqlexec.DeferredGroup(ctx, fields)") {
		t.Error("graph/generated/generated.go has no lazy @defer groups")
	}
	if !strings.Contains(string(src), "return gqlexec.Object(fields, out)") {
		t.Error("graph/generated/generated.go writes objects with gqlgen's field sets")
	}
	if !strings.Contains(string(src), `gqlexec.CachedArgs(ctx, field, ec.Variables, "field_Organisation_name_args", ec.field_Organisation_name_args)`) {
		t.Error("graph/generated/generated.go computes the language of every name")
	}
	if !strings.Contains(string(src), "buf := gqlexec.ResponseBuffer()") {
		t.Error("graph/generated/generated.go writes responses into buffers of their own")
	}
	if strings.Contains(string(src), "graphql.MarshalSliceConcurrently(") {
		t.Error("graph/generated/generated.go marshals lists with gqlgen's MarshalSliceConcurrently")
	}
}
