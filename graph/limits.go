package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/otehub/hub"
)

// Limits checked on the parsed document before gqlgen validates it.
const (
	// MaxFields bounds the fields written in one document, fragments
	// counted once each, as written. The largest playground example
	// has well under a tenth of it.
	MaxFields = 1000
	// MaxRepeats bounds how often one response name (an alias, or a
	// field's name) is written under one response name (or at the top
	// of fragments). Validation compares every pair of fields that are
	// merged into one selection, so n repeats cost n²: 7 000 repeats of
	// __typename take 4 s and 565 MB to validate, and 540 conflicting
	// repeats return 28 MB of errors.
	MaxRepeats = 100
	// MaxErrors bounds the errors one response returns; one more error
	// says that more were dropped.
	MaxErrors = 50
)

// documentLimits refuses a document with more fields, or more repeats
// of one response name, than the limits, before validation runs, so that
// the validation of an accepted document is cheap: its work grows with
// the square of the repeats. gqlgen validates between parsing and the
// operation context mutators, so the check parses the document itself
// (linear, under the token limit) unless gqlgen's cache already holds
// it, which it does only for documents that passed.
type documentLimits struct {
	cache  graphql.Cache[*ast.QueryDocument]
	fields int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string                          { return "DocumentLimits" }
func (documentLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, maxTokens)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	// Fields are counted by response name and the response name of the
	// field they are selected under: validation compares only fields
	// merged into one selection, which share both. A fragment's own
	// fields can be spread under any field, so they share one parent.
	type key struct{ parent, name string }
	fields, names := 0, map[key]int{}
	var count func(set ast.SelectionSet, parent string)
	count = func(set ast.SelectionSet, parent string) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				fields++
				// Clients such as Apollo's add __typename to every
				// selection set; comparing plain __typename fields is
				// cheap and never conflicts, so MaxFields bounds them.
				if s.Alias != "__typename" {
					names[key{parent, s.Alias}]++ // the parser sets Alias to Name when there is none
				}
				count(s.SelectionSet, s.Alias)
			case *ast.InlineFragment:
				count(s.SelectionSet, parent)
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet, "")
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet, "...")
	}
	if fields > l.fields {
		return limitError("the document has %d fields; the limit is %d", fields, l.fields)
	}
	for k, n := range names {
		if n > MaxRepeats {
			return limitError("the document writes %q %d times in selections that are merged; the limit is %d", k.name, n, MaxRepeats)
		}
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	setCode(err, hub.ETOOLARGE)
	return err
}

// capErrors keeps the first max errors of a response and adds one
// saying that more were dropped: a document can still raise an error
// per field or directive, and the response should not grow with them.
func capErrors(max int) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil || len(resp.Errors) <= max {
			return resp
		}
		note := limitError("more errors were dropped; a response carries at most %d", max)
		resp.Errors = append(resp.Errors[:max:max], note)
		return resp
	}
}

// pagedSchema is the executable schema whose cost of a paged field (one
// that takes an Int first or last, found in the schema rather than
// listed) is 1 plus its selections' cost times the page size asked for,
// or the default page size: a connection of 100 rows costs a hundred
// times its row. Other fields keep gqlgen's cost, 1 plus their
// selections'.
type pagedSchema struct {
	graphql.ExecutableSchema
	// pageSizes holds each paged field's page size when neither first
	// nor last is given, keyed "Type.field".
	pageSizes map[string]int
}

func withPageCosts(es graphql.ExecutableSchema) pagedSchema {
	sizes := map[string]int{}
	for _, def := range es.Schema().Types {
		for _, f := range def.Fields {
			for _, a := range f.Arguments {
				if (a.Name != "first" && a.Name != "last") || a.Type.NamedType != "Int" {
					continue
				}
				size := hub.DefaultPageSize
				if a.Name == "first" && a.DefaultValue != nil {
					if v, err := a.DefaultValue.Value(nil); err == nil {
						if n, ok := pageSize(v); ok {
							size = n
						}
					}
				}
				if old, ok := sizes[def.Name+"."+f.Name]; !ok || old < size {
					sizes[def.Name+"."+f.Name] = size
				}
			}
		}
	}
	return pagedSchema{ExecutableSchema: es, pageSizes: sizes}
}

func (s pagedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	size, paged := s.pageSizes[typeName+"."+field]
	if !paged {
		return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	}
	for _, name := range []string{"first", "last"} {
		if n, ok := pageSize(args[name]); ok {
			size = n
		}
	}
	// An empty page still costs its selections once, so that every
	// field counted is at least 1 and the cost bounds the walk.
	size = max(size, 1)
	if child > (math.MaxInt-1)/size {
		return math.MaxInt, true
	}
	return 1 + size*child, true
}

// pageSize reads a first or last argument as the resolvers will use it:
// a page holds at most hub.MaxPageSize rows, and a larger request is
// refused when it resolves.
func pageSize(v any) (int, bool) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	case float64:
		n = int64(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	return int(min(max(n, 0), hub.MaxPageSize)), true
}

// costLimit refuses an operation whose cost exceeds max, in place of
// gqlgen's complexity limit (extension.FixedComplexityLimit): it computes
// the same cost (TestCostIsGqlgensComplexity), but walks each fragment
// once, where gqlgen walks a fragment again at every spread, so that
// nested fragments spread twice each cost it 2ⁿ walks.
type costLimit struct {
	max int
	es  graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

func (costLimit) ExtensionName() string                          { return "CostLimit" }
func (costLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := costWalker{ctx: ctx, es: l.es, schema: l.es.Schema(), vars: oc.Variables, fragments: map[string]int{}}
	if cost := w.set(oc.Operation.SelectionSet); cost > l.max {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", cost, l.max)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED") // gqlgen's code for the same refusal
		return err
	}
	return nil
}

// costWalker computes gqlgen's complexity of a selection set: each field
// costs what the schema's Complexity says, or 1 plus its selections; a
// field of an interface costs the most of its implementations; the
// __schema subtree costs nothing.
type costWalker struct {
	ctx       context.Context
	es        graphql.ExecutableSchema
	schema    *ast.Schema
	vars      map[string]any
	fragments map[string]int
}

func (w *costWalker) set(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = addCost(total, w.field(s))
		case *ast.InlineFragment:
			total = addCost(total, w.set(s.SelectionSet))
		case *ast.FragmentSpread:
			cost, ok := w.fragments[s.Name]
			if !ok && s.Definition != nil {
				w.fragments[s.Name] = 0 // a cycle, refused by validation, adds nothing
				cost = w.set(s.Definition.SelectionSet)
				w.fragments[s.Name] = cost
			}
			total = addCost(total, cost)
		}
	}
	return total
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	typ := w.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return 0
	}
	child := 0
	if typ.Kind == ast.Object || typ.Kind == ast.Interface || typ.Kind == ast.Union {
		child = w.set(f.SelectionSet)
	}
	args := f.ArgumentMap(w.vars)
	owners := []*ast.Definition{f.ObjectDefinition}
	if f.ObjectDefinition.Kind == ast.Interface {
		owners = w.schema.GetPossibleTypes(f.ObjectDefinition)
	}
	cost := 0
	for _, owner := range owners {
		c, ok := w.es.Complexity(w.ctx, owner.Name, f.Name, child, args)
		if !ok || c < 1 {
			c = addCost(1, child)
		}
		cost = max(cost, c)
	}
	return cost
}

func addCost(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// validationRules are gqlparser's default rules, whose errors past
// max+1 (counted over all rules of one document) are dropped as
// they are raised: capErrors would drop them anyway, and a rule may raise
// one per pair of fields. Without suggestions, the rules that add "Did
// you mean …?" to their errors are gqlparser's variants that do not,
// under the default rules' names (gqlgen's SetDisableSuggestion swaps
// only two of them, and by other names).
func validationRules(max int, suggestions bool) *rules.Rules {
	r := rules.NewDefaultRules()
	if !suggestions {
		for name, rule := range map[string]core.Rule{
			rules.FieldsOnCorrectTypeRule.Name: rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
			rules.ScalarLeafsRule.Name:         rules.ScalarLeafsRuleWithoutSuggestions,
			rules.KnownArgumentNamesRule.Name:  rules.KnownArgumentNamesRuleWithoutSuggestions,
			rules.KnownTypeNamesRule.Name:      rules.KnownTypeNamesRuleWithoutSuggestions,
			rules.ValuesOfCorrectTypeRule.Name: rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
		} {
			r.ReplaceRule(name, rule.RuleFunc)
		}
	}
	raised := 0
	for name, f := range r.GetInner() {
		r.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
			f(observers, func(options ...core.ErrorOption) {
				raised++
				if raised <= max+1 {
					addError(options...)
				}
			})
		})
	}
	return r
}

// maxListItems bounds every list in an argument, ids and filter lists
// alike.
const maxListItems = 100

// inputLimits refuses, before anything resolves, an argument holding a
// list longer than maxListItems or a Float that is not a finite
// number, wherever it is in the argument (conditions of conditions,
// relationship conditions, string filters and the rest): the walk
// follows the schema's input types rather than a list of fields, so a
// new input is covered when it is added. gqlgen reads "NaN" and "Inf"
// as Float variables.
type inputLimits struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = inputLimits{}

func (inputLimits) ExtensionName() string                          { return "InputLimits" }
func (inputLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l inputLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	c := inputCheck{schema: l.schema, vars: oc.Variables, seen: map[string]bool{}}
	c.set(oc.Operation.SelectionSet)
	return c.err
}

type inputCheck struct {
	schema *ast.Schema
	vars   map[string]any
	seen   map[string]bool
	err    *gqlerror.Error
}

func (c *inputCheck) set(set ast.SelectionSet) {
	for _, sel := range set {
		if c.err != nil {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Definition != nil {
				for _, a := range s.Arguments {
					def := s.Definition.Arguments.ForName(a.Name)
					if def == nil {
						continue
					}
					v, err := a.Value.Value(c.vars)
					if err != nil {
						continue // gqlgen reports it
					}
					c.value(v, def.Type, a.Name)
				}
			}
			c.set(s.SelectionSet)
		case *ast.InlineFragment:
			c.set(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil && !c.seen[s.Name] {
				c.seen[s.Name] = true // its arguments are the same wherever it is spread
				c.set(s.Definition.SelectionSet)
			}
		}
	}
}

// value checks v, of type t, at path.
func (c *inputCheck) value(v any, t *ast.Type, path string) {
	if v == nil || c.err != nil {
		return
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			c.value(v, t.Elem, path) // one value where a list is expected is a list of one
			return
		}
		if len(list) > maxListItems {
			c.fail("%s holds %d items; a list holds at most %d", path, len(list), maxListItems)
			return
		}
		for i, e := range list {
			c.value(e, t.Elem, fmt.Sprintf("%s[%d]", path, i))
		}
		return
	}
	def := c.schema.Types[t.NamedType]
	switch {
	case def == nil:
	case def.Kind == ast.InputObject:
		fields, _ := v.(map[string]any)
		for name, fv := range fields {
			if fd := def.Fields.ForName(name); fd != nil {
				c.value(fv, fd.Type, path+"."+name)
			}
		}
	case def.Name == "Float":
		if f, ok := float(v); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			c.fail("%s must be a finite number", path)
		}
	}
}

func (c *inputCheck) fail(format string, args ...any) {
	c.err = gqlerror.Errorf(format, args...)
	setCode(c.err, hub.EINVALID)
}

// float reads a Float value as gqlgen's unmarshaller will.
func float(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil || math.IsInf(f, 0)
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil || math.IsInf(f, 0)
	}
	return 0, false
}
