package hub_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/otehub/hub"
)

// PageProvisionRows pages ordered rows like PageOf, forwards and
// backwards, from every cursor position (on a row and between rows).
func TestPageProvisionRows(t *testing.T) {
	var rows []hub.ProvisionRow
	names := []string{"a", "b", "b", "c"}
	for i := range 12 {
		rows = append(rows, hub.ProvisionRow{ID: fmt.Sprintf("id%02d", (i*7)%12),
			ServiceName: names[i%4], ProviderName: names[(i/4)%4], RecipientName: names[i%2]})
	}
	order := hub.ProvisionOrder()
	values := hub.ProvisionRowOrderValues
	id := func(r hub.ProvisionRow) string { return r.ID }
	rows, _ = hub.PageOf(rows, hub.ListOptions{OrderBy: order, First: hub.Unlimited}, values, id)
	cursors := []*hub.Cursor{nil}
	for _, r := range rows {
		cursors = append(cursors, &hub.Cursor{Values: values(r), ID: r.ID}, &hub.Cursor{Values: values(r), ID: r.ID + "~"})
	}
	cursors = append(cursors, &hub.Cursor{Values: []string{"", "", ""}}, &hub.Cursor{Values: []string{"z", "", ""}})
	for _, c := range cursors {
		for _, first := range []int{0, 1, 3, 12, hub.Unlimited} {
			for _, reverse := range []bool{false, true} {
				opts := hub.ListOptions{OrderBy: order, First: first, After: c, Reverse: reverse}
				got, gotNext := hub.PageProvisionRows(rows, opts)
				want, wantNext := hub.PageOf(rows, opts, values, id)
				if len(got) == 0 && len(want) == 0 {
					got, want = nil, nil
				}
				if !reflect.DeepEqual(got, want) || gotNext != wantNext {
					t.Errorf("after %v, first %d, reverse %v: got %v %v, want %v %v", c, first, reverse, got, gotNext, want, wantNext)
				}
			}
		}
	}
}
