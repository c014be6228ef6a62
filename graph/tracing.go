package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/otehub/hub"
)

// ReportableName reports whether an operation name, which clients
// choose, may name a span or a metric's label: a GraphQL name
// ([A-Za-z_][A-Za-z0-9_]*) of at most 64 characters, so that telemetry
// holds no arbitrary text. (What names it admits is the metrics' to
// bound further.)
func ReportableName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// operationTracing makes a span of every query and mutation, from its
// admission to its response, named "<type> <operationName>" (the type
// alone for an anonymous operation or a name over 64 characters), a
// child of the request's span. It records the operation's type, its name
// and its errors' codes; never the document or the variables, which may
// hold personal data. Subscriptions make no span: they last as long as
// their connection, whose request span covers them. Operations refused
// before execution (parse, validation and limit errors) have none
// either: their request's span has the status.
type operationTracing struct{ tracer trace.Tracer }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationTracing{}

func (operationTracing) ExtensionName() string                          { return "OperationTracing" }
func (operationTracing) Validate(schema graphql.ExecutableSchema) error { return nil }

func (o operationTracing) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	kind := string(oc.Operation.Operation)
	name := kind
	attrs := []attribute.KeyValue{semconv.GraphQLOperationTypeKey.String(kind)}
	if ReportableName(oc.Operation.Name) {
		name += " " + oc.Operation.Name
		attrs = append(attrs, semconv.GraphQLOperationName(oc.Operation.Name))
	}
	ctx, span := o.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	responses := next(ctx)
	ended := false
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if !ended {
			// A query or a mutation answers once.
			ended = true
			endOperationSpan(span, resp)
		}
		return resp
	}
}

// endOperationSpan records the distinct codes of resp's errors and ends
// span, failed when a code is the hub's fault (INTERNAL,
// STORE_UNAVAILABLE) rather than the caller's.
func endOperationSpan(span trace.Span, resp *graphql.Response) {
	defer span.End()
	if resp == nil || len(resp.Errors) == 0 {
		return
	}
	var found []string
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "_OTHER"
		}
		if !slices.Contains(found, code) {
			found = append(found, code)
		}
	}
	span.SetAttributes(attribute.StringSlice("graphql.error.codes", found))
	for _, fault := range []string{extensionCodes[hub.EINTERNAL], extensionCodes[hub.EUNAVAILABLE]} {
		if slices.Contains(found, fault) {
			span.SetAttributes(semconv.ErrorTypeKey.String(fault))
			span.SetStatus(codes.Error, fault)
			return
		}
	}
}
