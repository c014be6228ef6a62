package model

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/loader"
)

// View returns the GraphQL view of a domain node: the kind's type, or a
// *SourceDocument. It returns nil for nil.
func View(n *hub.Node) Node {
	if n == nil {
		return nil
	}
	if n.Kind == hub.KindSourceDocument {
		return &SourceDocument{n}
	}
	return entity(n)
}

func entity(n *hub.Node) Entity {
	b := Base{n}
	switch n.Kind {
	case hub.KindOrganisation:
		return &Organisation{b}
	case hub.KindEmployer:
		return &Employer{b}
	case hub.KindProgramme:
		return &Programme{b}
	case hub.KindPilot:
		return &Pilot{b}
	case hub.KindService:
		return &Service{b}
	case hub.KindRegion:
		return &Region{b}
	case hub.KindTargetGroup:
		return &TargetGroup{b}
	case hub.KindTheme:
		return &Theme{b}
	case hub.KindAgreement:
		return &Agreement{b}
	case hub.KindEvent:
		return &Event{b}
	case hub.KindTraining:
		return &Training{b}
	case hub.KindContact:
		return &Contact{b}
	}
	return nil
}

// EntityOf returns the entity view of n, or nil when n is nil or not an
// entity.
func EntityOf(n *hub.Node) Entity {
	if n == nil || n.Kind == hub.KindSourceDocument {
		return nil
	}
	return entity(n)
}

// views keeps the nodes whose view is a T, skipping missing ones.
func views[T Node](nodes []*hub.Node) []T {
	out := make([]T, 0, len(nodes))
	for _, n := range nodes {
		if v, ok := View(n).(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// entities views the nodes as entities, skipping missing ones.
func entities(nodes []*hub.Node) []Entity {
	out := make([]Entity, 0, len(nodes))
	for _, n := range nodes {
		if e := EntityOf(n); e != nil {
			out = append(out, e)
		}
	}
	return out
}

func loadEntity(ctx context.Context, id string) (Entity, error) {
	n, err := loader.For(ctx).Node.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if e := EntityOf(n); e != nil {
		return e, nil
	}
	return nil, hub.Errorf(hub.EINTERNAL, "relationship end %s is missing", id)
}

// adjacent returns the relationships of node id in direction dir with one
// of the types (any type when none), in the default relationship order.
func adjacent(ctx context.Context, id string, dir hub.Direction, types []hub.RelationshipType) ([]*hub.Relationship, error) {
	l := loader.For(ctx)
	all, ok := l.Covered(id, dir, types)
	if !ok {
		var err error
		if all, err = l.Adjacent.Load(ctx, id); err != nil {
			return nil, err
		}
	}
	f := Follow{dir, types}
	var out []*hub.Relationship
	for _, r := range all {
		if f.Matches(id, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, byTypeThenID)
	return out, nil
}

// relatedOf is Base.related keeping only the ends that are a T.
func relatedOf[T Node](ctx context.Context, b Base, f Follow) ([]T, error) {
	es, err := b.related(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(es))
	for _, e := range es {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// lang is the language a text field answers in: its argument, else the
// request's preferred language.
func lang(ctx context.Context, l *Language) hub.Language {
	if l == nil {
		return hub.LanguageFrom(ctx)
	}
	return hub.Language(strings.ToLower(string(*l)))
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// today is the day statuses are derived for.
func today() time.Time { return time.Now().UTC() }
