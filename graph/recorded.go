package graph

import (
	"context"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// Recorder gives the network as the hub recorded it at a past time
// (index.Live.AsRecorded): the current network with the revisions
// recorded since undone. A time in the future is the current network.
type Recorder interface {
	AsRecorded(ctx context.Context, t time.Time) (hub.Reader, error)
}

// recorded returns the network a field reads and the context its views
// are built in: the current network and ctx itself without asRecorded;
// with it, the network as recorded then and ctx carrying a request bound
// to that network, so that everything under the field, nested fields
// included, reads the same past network.
func (r *Resolver) recorded(ctx context.Context, asRecorded *time.Time) (context.Context, hub.Reader, error) {
	if asRecorded == nil {
		return ctx, r.Index, nil
	}
	rd, err := r.reader(ctx, asRecorded)
	if err != nil {
		return nil, nil, err
	}
	return model.WithRequest(ctx, model.RequestOf(ctx).On(rd)), rd, nil
}

// reader is the network as recorded at t, or the current one when t is
// nil.
func (r *Resolver) reader(ctx context.Context, t *time.Time) (hub.Reader, error) {
	if t == nil {
		return r.Index, nil
	}
	if r.Recorded == nil {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "this hub cannot answer the network as recorded at a past time")
	}
	return r.Recorded.AsRecorded(ctx, *t)
}
