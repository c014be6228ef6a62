package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// write validates b against the network, authorises and applies it. A
// refusal of the input comes back as user errors under prefix (the
// input path of the row's fields); anything else as the error.
func (r *Resolver) write(ctx context.Context, b *hub.Batch, prefix []string) ([]*model.UserError, error) {
	if r.Writer == nil {
		return nil, hub.Errorf(hub.EFORBIDDEN, "this hub is read-only")
	}
	// The caller is refused before the input is looked at.
	if hub.PrincipalFrom(ctx) == nil {
		return nil, hub.Authorize(ctx, r.Index, b)
	}
	b.Actor = hub.PrincipalFrom(ctx).Subject
	err := hub.Prepare(ctx, r.Index, b, time.Now())
	if err == nil {
		err = hub.CheckEnds(ctx, r.Index, b)
	}
	if err == nil {
		err = r.Writer.Apply(ctx, b)
	}
	top := nodeInputFields
	if len(b.Relationships) > 0 {
		top = relationshipInputFields
	}
	return userErrors(err, prefix, top)
}

// userErrors turns the input's refusals (invalid, conflicting, not
// found, too large) into user errors; other errors stay errors.
func userErrors(err error, prefix []string, top map[string]bool) ([]*model.UserError, error) {
	var e *hub.Error
	if err == nil {
		return []*model.UserError{}, nil
	}
	if !errors.As(err, &e) {
		return nil, err
	}
	switch e.Code {
	case hub.EINVALID, hub.ECONFLICT, hub.ENOTFOUND, hub.ETOOLARGE:
		return []*model.UserError{{Message: e.Message, Code: ExtensionCode(e.Code), Path: inputPath(prefix, top, e.Field)}}, nil
	}
	return nil, err
}

// nodeInputFields and relationshipInputFields are the row fields that
// are fields of the mutation input itself rather than of its fields or
// set object.
var (
	nodeInputFields         = map[string]bool{"id": true, "kind": true, "key": true, "keep": true, "remove": true}
	relationshipInputFields = map[string]bool{"id": true, "key": true, "type": true, "fromId": true, "toId": true}
)

// inputPath is the input path of a row field ("period.end"): the
// mutation's own arguments sit under ["input"], the others under prefix.
func inputPath(prefix []string, top map[string]bool, field string) []string {
	if field == "" {
		return []string{"input"}
	}
	parts := strings.Split(field, ".")
	if top[parts[0]] {
		return append([]string{"input"}, parts...)
	}
	if parts[0] == "amount" && len(parts) > 1 && parts[1] == "minor" {
		parts[1] = "amount"
	}
	return append(append([]string{}, prefix...), parts...)
}

func refused(code, field, format string, args ...any) []*model.UserError {
	e := &hub.Error{Code: code, Field: field}
	e.Message = hub.Errorf(code, format, args...).Message
	errs, _ := userErrors(e, nil, relationshipInputFields)
	return errs
}

func (r *Resolver) createNode(ctx context.Context, input model.CreateNodeInput) (*model.NodePayload, error) {
	n := &hub.Node{Kind: hub.Kind(input.Kind), Key: input.Key}
	if input.Kind == model.NodeKindSourceDocument {
		n.Document = &hub.Document{}
	}
	setNodeFields(ctx, n, input.Fields)
	b := &hub.Batch{Nodes: []*hub.Node{n}, Expect: map[string]int64{}}
	if input.Kind.IsValid() && n.Key != "" {
		// A node that exists is not created again.
		b.Expect[hub.NodeID(n.Kind, n.Key)] = 0
	}
	errs, err := r.write(ctx, b, []string{"input", "fields"})
	if err != nil || len(errs) > 0 {
		return &model.NodePayload{UserErrors: errs}, err
	}
	return &model.NodePayload{Node: model.View(model.RequestOf(ctx), n), UserErrors: errs}, nil
}

func (r *Resolver) updateNode(ctx context.Context, input model.UpdateNodeInput) (*model.NodePayload, error) {
	cur, errs, err := r.storedNode(ctx, input.ID, int64(input.Version))
	if cur == nil {
		return &model.NodePayload{UserErrors: errs}, err
	}
	n := cur.Clone()
	setNodeFields(ctx, n, input.Set)
	b := &hub.Batch{Nodes: []*hub.Node{n}, Expect: map[string]int64{n.ID: int64(input.Version)}}
	if errs, err := r.write(ctx, b, []string{"input", "set"}); err != nil || len(errs) > 0 {
		return &model.NodePayload{UserErrors: errs}, err
	}
	return &model.NodePayload{Node: model.View(model.RequestOf(ctx), n), UserErrors: []*model.UserError{}}, nil
}

func (r *Resolver) deleteNode(ctx context.Context, input model.DeleteNodeInput) (*model.DeletePayload, error) {
	cur, errs, err := r.storedNode(ctx, input.ID, int64(input.Version))
	if cur == nil {
		return &model.DeletePayload{DeletedIds: []string{}, UserErrors: errs}, err
	}
	b := &hub.Batch{DeleteNodes: []string{cur.ID}, Cascade: input.Cascade != nil && *input.Cascade,
		Expect: map[string]int64{cur.ID: int64(input.Version)}, Sources: citations(ctx, input.Sources)}
	return r.delete(ctx, b)
}

func (r *Resolver) createRelationship(ctx context.Context, input model.CreateRelationshipInput) (*model.RelationshipPayload, error) {
	ends, err := r.Index.NodesByID(ctx, []string{input.FromID, input.ToID})
	if err != nil {
		return nil, err
	}
	for i, field := range []string{"fromId", "toId"} {
		if ends[i] == nil {
			return &model.RelationshipPayload{UserErrors: refused(hub.ENOTFOUND, field, "there is no node with id %q", truncateID(input.FromID, input.ToID, i))}, nil
		}
	}
	disc := ""
	if input.Discriminator != nil {
		disc = *input.Discriminator
	}
	key := hub.RelationshipKey(hub.RelationshipType(input.Type), hub.NodeRef(ends[0].Kind, ends[0].Key), hub.NodeRef(ends[1].Kind, ends[1].Key), disc)
	rel := &hub.Relationship{Key: key, Type: hub.RelationshipType(input.Type), FromID: ends[0].ID, ToID: ends[1].ID}
	if errs := setRelationshipFields(ctx, rel, input.Fields); len(errs) > 0 {
		return &model.RelationshipPayload{UserErrors: errs}, nil
	}
	b := &hub.Batch{Relationships: []*hub.Relationship{rel}, Expect: map[string]int64{hub.RelationshipID(key): 0}}
	if errs, err := r.write(ctx, b, []string{"input", "fields"}); err != nil || len(errs) > 0 {
		return &model.RelationshipPayload{UserErrors: errs}, err
	}
	return &model.RelationshipPayload{Relationship: model.NewRelationship(model.RequestOf(ctx), rel), UserErrors: []*model.UserError{}}, nil
}

func truncateID(from, to string, i int) string {
	id := from
	if i == 1 {
		id = to
	}
	if len(id) > 64 {
		return id[:64] + "…"
	}
	return id
}

func (r *Resolver) updateRelationship(ctx context.Context, input model.UpdateRelationshipInput) (*model.RelationshipPayload, error) {
	cur, errs, err := r.storedRelationship(ctx, input.ID, int64(input.Version))
	if cur == nil {
		return &model.RelationshipPayload{UserErrors: errs}, err
	}
	rel := cur.Clone()
	if errs := setRelationshipFields(ctx, rel, input.Set); len(errs) > 0 {
		for _, e := range errs {
			e.Path[1] = "set"
		}
		return &model.RelationshipPayload{UserErrors: errs}, nil
	}
	b := &hub.Batch{Relationships: []*hub.Relationship{rel}, Expect: map[string]int64{rel.ID: int64(input.Version)}}
	if errs, err := r.write(ctx, b, []string{"input", "set"}); err != nil || len(errs) > 0 {
		return &model.RelationshipPayload{UserErrors: errs}, err
	}
	return &model.RelationshipPayload{Relationship: model.NewRelationship(model.RequestOf(ctx), rel), UserErrors: []*model.UserError{}}, nil
}

func (r *Resolver) deleteRelationship(ctx context.Context, input model.DeleteRelationshipInput) (*model.DeletePayload, error) {
	cur, errs, err := r.storedRelationship(ctx, input.ID, int64(input.Version))
	if cur == nil {
		return &model.DeletePayload{DeletedIds: []string{}, UserErrors: errs}, err
	}
	b := &hub.Batch{DeleteRelationships: []string{cur.ID}, Expect: map[string]int64{cur.ID: int64(input.Version)},
		Sources: citations(ctx, input.Sources)}
	return r.delete(ctx, b)
}

func (r *Resolver) mergeNodes(ctx context.Context, input model.MergeNodesInput) (*model.NodePayload, error) {
	for _, f := range []struct{ field, id string }{{"keep", input.Keep}, {"remove", input.Remove}} {
		if kind, err := hub.ParseID(f.id); err != nil || kind == "Relationship" {
			return &model.NodePayload{UserErrors: refused(hub.EINVALID, f.field, "%q is not a node id", truncateID(f.id, "", 0))}, nil
		}
	}
	b := &hub.Batch{Merges: []hub.Merge{{Keep: input.Keep, Remove: input.Remove}},
		Expect:  map[string]int64{input.Keep: int64(input.KeepVersion), input.Remove: int64(input.RemoveVersion)},
		Sources: citations(ctx, input.Sources)}
	errs, err := r.write(ctx, b, []string{"input"})
	if err != nil || len(errs) > 0 {
		return &model.NodePayload{UserErrors: errs}, err
	}
	kept, err := r.Index.NodesByID(ctx, []string{input.Keep})
	if err != nil {
		return nil, err
	}
	return &model.NodePayload{Node: model.View(model.RequestOf(ctx), kept[0]), UserErrors: []*model.UserError{}}, nil
}

func (r *Resolver) delete(ctx context.Context, b *hub.Batch) (*model.DeletePayload, error) {
	errs, err := r.write(ctx, b, []string{"input"})
	if err != nil || len(errs) > 0 {
		return &model.DeletePayload{DeletedIds: []string{}, UserErrors: errs}, err
	}
	ids := make([]string, 0, len(b.Revisions))
	for _, rev := range b.Revisions {
		ids = append(ids, rev.ID)
	}
	return &model.DeletePayload{DeletedIds: ids, UserErrors: []*model.UserError{}}, nil
}

// catchUpWait bounds how long a mutation waits for this instance's
// index to hold the version of a row its caller names. Instances follow
// the store's change feed, so one can lag a moment behind another: a
// client that read version 5 through one and writes through another
// that still holds version 4 (or not yet the row at all) would
// otherwise get NOT_FOUND, or worse, a write built from version 4 that
// the store accepts as made from version 5, undoing what version 5
// changed.
const catchUpWait = time.Second

// caughtUp reads a row through read until the index holds it at
// version want or newer, or catchUpWait passes; read returns the row's
// version, 0 when the index does not hold it.
func caughtUp(ctx context.Context, want int64, read func() (int64, error)) (int64, error) {
	deadline := time.Now().Add(catchUpWait)
	for {
		have, err := read()
		if err != nil || have >= want || time.Now().After(deadline) {
			return have, err
		}
		select {
		case <-ctx.Done():
			return have, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// behind is the error of a mutation naming a version this instance's
// index has not reached within catchUpWait.
func behind(id string, want, have int64) error {
	return hub.Errorf(hub.EUNAVAILABLE, "this instance has not applied version %d of %s yet (it holds version %d); try again shortly", want, truncateID(id, "", 0), have)
}

// storedNode reads the node a mutation names, which the caller saw at
// version want, or says why it cannot.
func (r *Resolver) storedNode(ctx context.Context, id string, want int64) (*hub.Node, []*model.UserError, error) {
	if kind, err := hub.ParseID(id); err != nil || kind == "Relationship" {
		return nil, refused(hub.EINVALID, "id", "%q is not a node id", truncateID(id, "", 0)), nil
	}
	if hub.PrincipalFrom(ctx) == nil {
		return nil, nil, hub.Authorize(ctx, r.Index, &hub.Batch{})
	}
	var n *hub.Node
	have, err := caughtUp(ctx, want, func() (int64, error) {
		found, err := r.Index.NodesByID(ctx, []string{id})
		if err != nil || found[0] == nil {
			return 0, err
		}
		n = found[0]
		return n.Version, nil
	})
	switch {
	case err != nil:
		return nil, nil, err
	case n == nil:
		return nil, refused(hub.ENOTFOUND, "id", "there is no node with id %q", id), nil
	case have < want:
		return nil, nil, behind(id, want, have)
	}
	return n, nil, nil
}

// storedRelationship is storedNode for relationships.
func (r *Resolver) storedRelationship(ctx context.Context, id string, want int64) (*hub.Relationship, []*model.UserError, error) {
	if kind, err := hub.ParseID(id); err != nil || kind != "Relationship" {
		return nil, refused(hub.EINVALID, "id", "%q is not a relationship id", truncateID(id, "", 0)), nil
	}
	if hub.PrincipalFrom(ctx) == nil {
		return nil, nil, hub.Authorize(ctx, r.Index, &hub.Batch{})
	}
	var rel *hub.Relationship
	have, err := caughtUp(ctx, want, func() (int64, error) {
		found, err := r.Index.RelationshipsByID(ctx, []string{id})
		if err != nil || found[0] == nil {
			return 0, err
		}
		rel = found[0]
		return rel.Version, nil
	})
	switch {
	case err != nil:
		return nil, nil, err
	case rel == nil:
		return nil, refused(hub.ENOTFOUND, "id", "there is no relationship with id %q", id), nil
	case have < want:
		return nil, nil, behind(id, want, have)
	}
	return rel, nil, nil
}

// setNodeFields applies the fields that are set: a value replaces the
// node's, null clears it.
func setNodeFields(ctx context.Context, n *hub.Node, f *model.NodeFieldsInput) {
	if f == nil {
		return
	}
	if v, ok := f.Name.ValueOK(); ok {
		n.Name = localized(v)
	}
	if v, ok := f.Abbreviations.ValueOK(); ok {
		n.Abbreviations = v
	}
	if v, ok := f.Aliases.ValueOK(); ok {
		n.Aliases = v
	}
	if v, ok := f.Description.ValueOK(); ok {
		n.Description = localized(v)
	}
	if v, ok := f.Type.ValueOK(); ok {
		n.Type = deref(v)
	}
	if v, ok := f.Code.ValueOK(); ok {
		n.Code = deref(v)
	}
	if v, ok := f.Classification.ValueOK(); ok {
		n.Classification = nil
		if v != nil {
			n.Classification = &hub.Classification{Scheme: v.Scheme, Year: v.Year, URL: deref(v.URL)}
		}
	}
	if v, ok := f.BusinessID.ValueOK(); ok {
		n.BusinessID = deref(v)
	}
	if v, ok := f.ExternalIds.ValueOK(); ok {
		n.ExternalIDs = nil
		for _, e := range v {
			if e != nil {
				n.ExternalIDs = append(n.ExternalIDs, hub.ExternalID{Scheme: e.Scheme, ID: e.ID})
			}
		}
	}
	if v, ok := f.RegionIds.ValueOK(); ok {
		n.RegionIDs = v
	}
	if v, ok := f.Period.ValueOK(); ok {
		n.Period = period(v)
	}
	if v, ok := f.Goals.ValueOK(); ok {
		n.Goals = nil
		for _, g := range v {
			n.Goals = append(n.Goals, localized(g))
		}
	}
	if v, ok := f.Title.ValueOK(); ok {
		n.Title = deref(v)
	}
	if v, ok := f.Contact.ValueOK(); ok {
		n.Contact = nil
		if c := v; c != nil && (deref(c.Email) != "" || deref(c.Phone) != "") {
			n.Contact = &hub.ContactDetails{Email: deref(c.Email), Phone: deref(c.Phone)}
		}
	}
	if v, ok := f.Document.ValueOK(); ok {
		if d := v; d != nil {
			n.Document = &hub.Document{File: deref(d.File), Publisher: deref(d.Publisher), Author: deref(d.Author),
				Published: d.Published, URL: deref(d.URL)}
			if d.Language != nil {
				n.Document.Language = hub.Language(strings.ToLower(string(*d.Language)))
			}
		} else if n.Kind == hub.KindSourceDocument {
			n.Document = &hub.Document{}
		} else {
			n.Document = nil
		}
	}
	if v, ok := f.Sources.ValueOK(); ok {
		n.Sources = citations(ctx, v)
	}
	if v, ok := f.Alternatives.ValueOK(); ok {
		n.Alternatives = alternatives(ctx, v)
	}
}

// setRelationshipFields is setNodeFields for relationships; it refuses
// an amount that is not a whole number of cents.
func setRelationshipFields(ctx context.Context, rel *hub.Relationship, f *model.RelationshipFieldsInput) []*model.UserError {
	if f == nil {
		return nil
	}
	if v, ok := f.Role.ValueOK(); ok {
		rel.Role = deref(v)
	}
	if v, ok := f.Amount.ValueOK(); ok {
		rel.Amount = nil
		if m := v; m != nil {
			cents := math.Round(m.Amount * 100)
			if math.IsNaN(m.Amount) || math.IsInf(m.Amount, 0) || math.Abs(cents) > 1e15 || math.Abs(m.Amount*100-cents) > 1e-6 {
				return []*model.UserError{{Message: "an amount is a number of euros (or other major units) with at most two decimals", Code: ExtensionCode(hub.EINVALID),
					Path: []string{"input", "fields", "amount", "amount"}}}
			}
			rel.Amount = &hub.Money{Minor: int64(cents), Currency: m.Currency}
		}
	}
	if v, ok := f.Period.ValueOK(); ok {
		rel.Period = period(v)
	}
	if v, ok := f.Description.ValueOK(); ok {
		rel.Description = localized(v)
	}
	if v, ok := f.Sources.ValueOK(); ok {
		rel.Sources = citations(ctx, v)
	}
	if v, ok := f.Alternatives.ValueOK(); ok {
		rel.Alternatives = alternatives(ctx, v)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func localized(t *model.LocalizedTextInput) hub.LocalizedText {
	if t == nil {
		return hub.LocalizedText{}
	}
	return hub.LocalizedText{FI: deref(t.Fi), SV: deref(t.Sv), EN: deref(t.En)}
}

func period(p *model.PeriodInput) *hub.Period {
	if p == nil || (p.Start == nil && p.End == nil) {
		return nil
	}
	return &hub.Period{Start: p.Start, End: p.End}
}

// citations converts cited sources; a statement is recorded under the
// caller's subject (Prepare refuses a citation of both a document and a
// statement, or of neither).
func citations(ctx context.Context, in []*model.CitationInput) []hub.Citation {
	out := make([]hub.Citation, 0, len(in))
	for _, c := range in {
		hc := hub.Citation{SourceID: deref(c.SourceID), Locator: deref(c.Locator), Quote: deref(c.Quote), Fields: c.Fields}
		if c.StatedBy != nil && *c.StatedBy {
			if p := hub.PrincipalFrom(ctx); p != nil {
				hc.StatedBy = p.Subject
			}
		}
		out = append(out, hc)
	}
	return out
}

// alternatives converts alternative values to the hub's JSON form of
// them.
func alternatives(ctx context.Context, in []*model.AlternativeInput) []hub.Alternative {
	out := make([]hub.Alternative, 0, len(in))
	for _, a := range in {
		v, err := json.Marshal(a.Value)
		if err != nil {
			v = nil // Prepare names the field that states no value
		}
		out = append(out, hub.Alternative{Field: a.Field, Value: v, Sources: citations(ctx, a.Sources)})
	}
	return out
}

// history pages the revisions of a row; the cursor is the version of
// the last revision of the previous page.
func history(ctx context.Context, n hub.Network, id string, first *int, after *string) (*model.RevisionConnection, error) {
	if n == nil {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "this hub keeps no history")
	}
	if _, err := hub.ParseID(id); err != nil {
		return nil, err
	}
	size := 20
	if first != nil {
		size = *first
	}
	if size < 1 || size > 100 {
		return nil, hub.Errorf(hub.EINVALID, "first must be 1 to 100, got %d", size)
	}
	var before int64
	if after != nil {
		v, err := historyCursor(*after)
		if err != nil {
			return nil, err
		}
		before = v
	}
	revs, more, err := n.History(ctx, id, before, size)
	if err != nil {
		return nil, err
	}
	rq := model.RequestOf(ctx)
	conn := &model.RevisionConnection{Nodes: make([]*model.Revision, len(revs)), PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: after != nil}}
	for i, rev := range revs {
		conn.Nodes[i] = model.NewRevision(rq, rev)
	}
	if len(revs) > 0 {
		start := base64.RawURLEncoding.EncodeToString([]byte("v:" + strconv.FormatInt(revs[0].Version+1, 10)))
		end := base64.RawURLEncoding.EncodeToString([]byte("v:" + strconv.FormatInt(revs[len(revs)-1].Version, 10)))
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &start, &end
	}
	return conn, nil
}

func historyCursor(s string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	v, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "v:"), 10, 64)
	if err != nil || perr != nil || !strings.HasPrefix(string(raw), "v:") || v < 1 {
		return 0, hub.Errorf(hub.EINVALID, "after: not a history cursor")
	}
	return v, nil
}
