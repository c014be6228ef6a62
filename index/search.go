package index

import "github.com/otehub/hub"

// searchDoc is a node's texts analysed for search (hub.AnalyzeNode),
// analysed when the node was put: a search then only matches.
type searchDoc struct {
	version int64
	doc     *hub.SearchDoc
}

var _ hub.SearchDocReader = (*Index)(nil)

// SearchDocs returns the analysed texts of nodes, read from the index.
// A node of another version than the one held (changed since it was
// read) is analysed anew.
func (s *Index) SearchDocs(nodes []*hub.Node) []*hub.SearchDoc {
	out := make([]*hub.SearchDoc, len(nodes))
	s.mu.RLock()
	for i, n := range nodes {
		if d, ok := s.docs[n.ID]; ok && d.version == n.Version {
			out[i] = d.doc
		}
	}
	s.mu.RUnlock()
	for i, n := range nodes {
		if out[i] == nil {
			out[i] = hub.AnalyzeNode(n)
		}
	}
	return out
}

var _ hub.SearchDocReader = (*Live)(nil)

// SearchDocs returns the analysed texts of nodes from the current index.
func (l *Live) SearchDocs(nodes []*hub.Node) []*hub.SearchDoc {
	idx := l.cur.Load()
	if idx == nil {
		idx = New()
	}
	return idx.SearchDocs(nodes)
}
