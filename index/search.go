package index

import (
	"context"

	"github.com/otehub/hub"
)

// searchDoc is a node with its texts analysed for search
// (hub.AnalyzeNode), analysed when the node was put: a search then only
// matches.
type searchDoc struct {
	node *hub.Node
	doc  *hub.SearchDoc
}

func (s *Index) putDoc(n *hub.Node, d *hub.SearchDoc) {
	m := s.docs[n.Kind]
	if m == nil {
		m = map[string]searchDoc{}
		s.docs[n.Kind] = m
	}
	m[n.ID] = searchDoc{node: n, doc: d}
}

var _ hub.SearchDocReader = (*Index)(nil)

// SearchDocs returns the nodes of kinds, in no order, with their texts
// analysed.
func (s *Index) SearchDocs(_ context.Context, kinds []hub.Kind) ([]*hub.Node, []*hub.SearchDoc, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	kinds = uniq(kinds)
	size := 0
	for _, k := range kinds {
		size += len(s.docs[k])
	}
	nodes, docs := make([]*hub.Node, 0, size), make([]*hub.SearchDoc, 0, size)
	for _, k := range kinds {
		for _, d := range s.docs[k] {
			nodes = append(nodes, d.node)
			docs = append(docs, d.doc)
		}
	}
	return nodes, docs, nil
}

var _ hub.SearchDocReader = (*Live)(nil)

// SearchDocs is Index.SearchDocs on the current index.
func (l *Live) SearchDocs(ctx context.Context, kinds []hub.Kind) ([]*hub.Node, []*hub.SearchDoc, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, nil, err
	}
	return idx.SearchDocs(ctx, kinds)
}
