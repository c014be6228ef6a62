package hub_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
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

// SelectProvisionPage pages rows in any order as PageProvisionRows pages
// them in order: from every cursor position, both ways, every size.
func TestSelectProvisionPage(t *testing.T) {
	var rows []hub.ProvisionRow
	names := []string{"a", "b", "b", "c", "ä"}
	for i := range 40 {
		rows = append(rows, hub.ProvisionRow{ID: fmt.Sprintf("id%02d", (i*7)%40),
			ServiceName: names[i%5], ProviderName: names[(i/5)%5], RecipientName: names[i%2]})
	}
	order := hub.ProvisionOrder()
	values := hub.ProvisionRowOrderValues
	id := func(r hub.ProvisionRow) string { return r.ID }
	sorted, _ := hub.PageOf(slices.Clone(rows), hub.ListOptions{OrderBy: order, First: hub.Unlimited}, values, id)
	cursors := []*hub.Cursor{nil, {Values: []string{"", "", ""}}, {Values: []string{"z", "", ""}}}
	for _, r := range sorted {
		cursors = append(cursors, &hub.Cursor{Values: values(r), ID: r.ID}, &hub.Cursor{Values: values(r), ID: r.ID + "~"})
	}
	shuffle := rand.New(rand.NewPCG(1, 2))
	for _, c := range cursors {
		for _, first := range []int{0, 1, 2, 7, 39, 40, 41, hub.Unlimited} {
			for _, reverse := range []bool{false, true} {
				opts := hub.ListOptions{OrderBy: order, First: first, After: c, Reverse: reverse}
				want, wantNext := hub.PageProvisionRows(sorted, opts)
				any := slices.Clone(rows)
				shuffle.Shuffle(len(any), func(i, j int) { any[i], any[j] = any[j], any[i] })
				got, gotNext := hub.SelectProvisionPage(any, opts)
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
