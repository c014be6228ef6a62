// Package graph is the GraphQL transport: it maps the schema onto the
// in-memory network (hub.Reader). Resolvers stay thin; shared helpers live
// in query.go and the views in graph/model. The generated executor is in
// graph/generated.
package graph

//go:generate go -C .. run ./internal/kindgen
//go:generate go -C .. tool gqlgen generate --config gqlgen.yml
//go:generate go -C .. run ./internal/gqlgenseq -config gqlgen.yml

import "github.com/otehub/hub"

// Resolver is the root resolver.
type Resolver struct {
	// Index is what every query reads: the in-memory network. (Not
	// Network: that is the resolver method of the query field network.)
	Index hub.Reader
	// Writer takes the mutations' writes, authorised; nil when the API
	// is read-only.
	Writer hub.Network
	// Recorded gives the network as recorded at a past time; nil when
	// the hub cannot.
	Recorded Recorder
	// subscriptions serves the subscription root.
	subscriptions *subscriptions
}

func newResolver(opts Options, subs *subscriptions) *Resolver {
	r := &Resolver{Index: opts.Network, Recorded: opts.Recorded, subscriptions: subs}
	if r.Recorded == nil {
		r.Recorded, _ = opts.Network.(Recorder)
	}
	if opts.Writer != nil {
		r.Writer = hub.Authorized(opts.Writer)
	}
	return r
}
