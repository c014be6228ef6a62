package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/otehub/hub"
)

// Limits checked on the parsed document before gqlgen validates it.
const (
	// MaxFields bounds the fields written in one document, fragments
	// counted once each, as written. The largest playground example
	// has well under a tenth of it.
	MaxFields = 1000
	// MaxRepeats bounds how often one response name (an alias, or a
	// field's name) is written in a document. Validation compares every
	// pair of fields that share a response name, so n repeats cost n²:
	// 7 000 repeats of __typename took 4 s and 565 MB to validate, and
	// 540 conflicting repeats returned 28 MB of errors.
	MaxRepeats = 50
	// MaxErrors bounds the errors one response returns; one more error
	// says how many were dropped.
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
	cache graphql.Cache[*ast.QueryDocument]
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
	fields, names := 0, map[string]int{}
	var count func(ast.SelectionSet)
	count = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				fields++
				// Clients such as Apollo's add __typename to every
				// selection set; comparing plain __typename fields is
				// cheap and never conflicts, so MaxFields bounds them.
				if s.Alias != "__typename" {
					names[s.Alias]++ // the parser sets Alias to Name when there is none
				}
				count(s.SelectionSet)
			case *ast.InlineFragment:
				count(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet)
	}
	if fields > MaxFields {
		return limitError("the document has %d fields; the limit is %d", fields, MaxFields)
	}
	for name, n := range names {
		if n > MaxRepeats {
			return limitError("the document writes %q %d times; the limit is %d", name, n, MaxRepeats)
		}
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	setCode(err, hub.ETOOLARGE)
	return err
}

// capErrors keeps the first MaxErrors errors of a response and adds one
// saying how many more there were: a document can still raise an error
// per field or directive, and the response should not grow with them.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= MaxErrors {
		return resp
	}
	dropped := len(resp.Errors) - MaxErrors
	note := limitError("%d more errors were dropped; a response returns at most %d", dropped, MaxErrors)
	note.Extensions["dropped"] = dropped
	resp.Errors = append(resp.Errors[:MaxErrors:MaxErrors], note)
	return resp
}
