package index

import (
	"cmp"
	"slices"
	"strings"

	"github.com/otehub/hub"
)

// facet names a list of byName: the nodes of a kind, of one type of it
// and in one region. An empty typ or region means any; a given one is
// prefixed ("t:", "r:"), so that the empty type is a type of its own.
type facet struct {
	kind   hub.Kind
	typ    string
	region string
}

func typeFacet(t string) string   { return "t:" + t }
func regionFacet(r string) string { return "r:" + r }

// byNameOrder is the NAME order: sort name, then id.
func byNameOrder(a, b *hub.Node) int {
	return cmp.Or(strings.Compare(a.SortName, b.SortName), strings.Compare(a.ID, b.ID))
}

// facetsOf lists the facets n belongs to.
func facetsOf(n *hub.Node) []facet {
	t := typeFacet(n.Type)
	out := []facet{{kind: n.Kind}, {kind: n.Kind, typ: t}}
	for _, r := range uniq(n.Regions()) {
		r := regionFacet(r)
		out = append(out, facet{kind: n.Kind, region: r}, facet{kind: n.Kind, typ: t, region: r})
	}
	return out
}

// nameIndex puts n into its facets' lists, in order.
func (s *Index) nameIndex(n *hub.Node) {
	for _, f := range facetsOf(n) {
		list := s.byName[f]
		i, _ := slices.BinarySearchFunc(list, n, byNameOrder)
		s.byName[f] = slices.Insert(list, i, n)
	}
}

// nameUnindex takes n, as indexed, out of its facets' lists.
func (s *Index) nameUnindex(n *hub.Node) {
	for _, f := range facetsOf(n) {
		list := s.byName[f]
		if i, found := slices.BinarySearchFunc(list, n, byNameOrder); found {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(s.byName, f)
		} else {
			s.byName[f] = list
		}
	}
}

// nameLists returns the byName lists whose union is what f selects,
// when f selects only by kinds, types and regions; ok is false for any
// other filter. A node is in at most one list unless f names several
// regions.
func (s *Index) nameLists(f *hub.NodeFilter) (lists [][]*hub.Node, ok bool) {
	if len(f.IDs) > 0 || len(f.Keys) > 0 || f.NameContains != "" {
		return nil, false
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = hub.Kinds
	}
	types, regions := []string{""}, []string{""}
	if len(f.Types) > 0 {
		types = types[:0]
		for _, t := range uniq(f.Types) {
			types = append(types, typeFacet(t))
		}
	}
	if len(f.RegionIDs) > 0 {
		regions = regions[:0]
		for _, r := range uniq(f.RegionIDs) {
			regions = append(regions, regionFacet(r))
		}
	}
	for _, k := range uniq(kinds) {
		for _, t := range types {
			for _, r := range regions {
				if l := s.byName[facet{k, t, r}]; len(l) > 0 {
					lists = append(lists, l)
				}
			}
		}
	}
	return lists, true
}

// nameCount counts what f selects from the lengths of its lists, when
// nameLists answers f and no node can be in two of them.
func (s *Index) nameCount(f *hub.NodeFilter) (int, bool) {
	if len(uniq(f.RegionIDs)) > 1 {
		return 0, false
	}
	lists, ok := s.nameLists(f)
	if !ok {
		return 0, false
	}
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	return n, true
}

// namePage answers a page in ascending NAME order (forwards or, for
// last/before, backwards, from any cursor) by merging the front of f's
// lists: it reads the page's rows, not the rest. ok is false when
// nameLists does not answer f or another order is asked (descending
// NAME breaks ties by ascending id, which the lists do not hold).
func (s *Index) namePage(f *hub.NodeFilter, opts hub.ListOptions) (page []*hub.Node, hasNext, ok bool) {
	if len(opts.OrderBy) != 1 || opts.OrderBy[0].Field != hub.OrderByName || opts.OrderBy[0].Desc || opts.Bulk() {
		return nil, false, false
	}
	lists, ok := s.nameLists(f)
	if !ok {
		return nil, false, false
	}
	// Walk down the order when reading backwards (last/before).
	down := opts.Reverse
	// heads[i] is the next position to read in lists[i].
	heads := make([]int, len(lists))
	for i, l := range lists {
		switch {
		case opts.After != nil:
			after := &hub.Node{ID: opts.After.ID}
			if len(opts.After.Values) > 0 {
				after.SortName = opts.After.Values[0]
			}
			j, found := slices.BinarySearchFunc(l, after, byNameOrder)
			if down {
				heads[i] = j - 1
			} else if found {
				heads[i] = j + 1
			} else {
				heads[i] = j
			}
		case down:
			heads[i] = len(l) - 1
		}
	}
	want := opts.First
	for want == hub.Unlimited || len(page) <= want {
		best := -1
		for i, l := range lists {
			h := heads[i]
			if h < 0 || h >= len(l) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			c := byNameOrder(l[h], lists[best][heads[best]])
			if (!down && c < 0) || (down && c > 0) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		n := lists[best][heads[best]]
		// The same node heads every list it is in: take it once.
		for i, l := range lists {
			if h := heads[i]; h >= 0 && h < len(l) && l[h] == n {
				if down {
					heads[i]--
				} else {
					heads[i]++
				}
			}
		}
		page = append(page, n)
	}
	if want != hub.Unlimited && len(page) > want {
		return page[:want], true, true
	}
	return page, false, true
}
