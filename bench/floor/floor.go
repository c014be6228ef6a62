package floor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/bench/floor/generated"
	"github.com/otehub/hub/bench/floor/model"
)

// Answers is what the floor serves: for each of its three root fields,
// the arguments it answers and the hub's answer to them.
type Answers struct {
	Pilots        PilotsAnswer        `json:"pilots"`
	Organisations OrganisationsAnswer `json:"organisations"`
	EntityByKey   EntityAnswer        `json:"entityByKey"`
}

// PilotsAnswer answers pilots(first: First).
type PilotsAnswer struct {
	First int                    `json:"first"`
	Page  *model.PilotConnection `json:"page"`
}

// OrganisationsAnswer answers organisations(first: First, where: Where).
type OrganisationsAnswer struct {
	First int                           `json:"first"`
	Where model.OrganisationWhere       `json:"where"`
	Page  *model.OrganisationConnection `json:"page"`
}

// EntityAnswer answers entityByKey(kind: Kind, key: Key), whose
// relationships page was asked with first: RelationshipsFirst.
type EntityAnswer struct {
	Kind               string        `json:"kind"`
	Key                string        `json:"key"`
	RelationshipsFirst int           `json:"relationshipsFirst"`
	Entity             *model.Entity `json:"entity"`
}

// check reports an answer the floor could not serve as non-null.
func (a *Answers) check() error {
	switch {
	case a.Pilots.Page == nil:
		return fmt.Errorf("floor: no pilots page")
	case a.Organisations.Page == nil:
		return fmt.Errorf("floor: no organisations page")
	case a.EntityByKey.Entity == nil:
		return fmt.Errorf("floor: no entity")
	}
	return nil
}

// WriteFile writes a to path as JSON, for a floor server to read.
func (a *Answers) WriteFile(path string) error {
	if err := a.check(); err != nil {
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("floor: encode answers: %w", err)
	}
	return os.WriteFile(path, b, 0o644)
}

// ReadFile reads answers that WriteFile wrote. A field of the file that
// the floor's structs do not have is an error: the floor would not
// serve it.
func ReadFile(path string) (*Answers, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := json.NewDecoder(f)
	d.DisallowUnknownFields()
	var a Answers
	if err := d.Decode(&a); err != nil {
		return nil, fmt.Errorf("floor: read answers %s: %w", path, err)
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	return &a, nil
}

// NewHandler returns the floor's GraphQL endpoint: stock gqlgen with the
// POST transport and the parsed-query cache the hub also uses, over a.
// It notes on a's entity the page size its relationships answer, then
// only reads a.
func NewHandler(a *Answers) http.Handler {
	a.EntityByKey.Entity.RelationshipsFirst = a.EntityByKey.RelationshipsFirst
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{answers: a}}))
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	return srv
}

// Resolver answers the root fields from the prepared answers; gqlgen
// resolves everything below them by field access.
type Resolver struct {
	answers *Answers
}

// Query returns the resolver of the root fields.
func (r *Resolver) Query() generated.QueryResolver { return queryResolver{r.answers} }

type queryResolver struct{ a *Answers }

func (q queryResolver) Pilots(_ context.Context, first *int) (*model.PilotConnection, error) {
	if first == nil || *first != q.a.Pilots.First {
		return nil, model.ErrNotPrepared
	}
	return q.a.Pilots.Page, nil
}

func (q queryResolver) Organisations(_ context.Context, first *int, where *model.OrganisationWhere) (*model.OrganisationConnection, error) {
	want := q.a.Organisations
	if first == nil || *first != want.First || where == nil ||
		!slices.Equal(where.TypeIn, want.Where.TypeIn) || !slices.Equal(where.RegionIn, want.Where.RegionIn) {
		return nil, model.ErrNotPrepared
	}
	return want.Page, nil
}

func (q queryResolver) EntityByKey(_ context.Context, kind string, key string) (*model.Entity, error) {
	if kind != q.a.EntityByKey.Kind || key != q.a.EntityByKey.Key {
		return nil, model.ErrNotPrepared
	}
	return q.a.EntityByKey.Entity, nil
}
