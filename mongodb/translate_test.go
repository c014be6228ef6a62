package mongodb

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/otehub/hub"
)

// A server that cannot be reached and a call that runs out of time are
// both EUNAVAILABLE, but say different things: only the second may be a
// query too heavy for the operation timeout.
func TestTranslateTellsUnreachableFromSlow(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no server to select, after the selection timeout", topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}, "unavailable"},
		{"the operation timeout", fmt.Errorf("aggregate: %w", context.DeadlineExceeded), "did not answer in time"},
	} {
		err := translate(tc.err, "select")
		if hub.ErrorCode(err) != hub.EUNAVAILABLE || !strings.Contains(hub.ErrorMessage(err), tc.want) {
			t.Errorf("%s: got %v, want EUNAVAILABLE saying %q", tc.name, err, tc.want)
		}
	}
}
