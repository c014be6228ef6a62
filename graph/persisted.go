package graph

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/otehub/hub"
)

// CodePersistedQueryNotAllowed is the extensions.code of a document the
// hub refuses because it runs only its trusted documents (and of an
// automatic persisted query it refuses to register then).
const CodePersistedQueryNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"

// APQCacheBytes bounds the documents that automatic persisted queries
// register, counted by their length: the least recently used go first.
// A document longer than an eighth of it is answered but not kept, so
// that one request cannot empty the cache.
const APQCacheBytes = 8 << 20

// ManifestFormat is the format of a trusted documents manifest, as
// Apollo's persisted query manifests name theirs.
const ManifestFormat = "apollo-persisted-query-manifest"

// Manifest is a trusted documents manifest:
//
//	{"format": "apollo-persisted-query-manifest", "version": 1,
//	 "operations": [{"id": "<sha256 of body, hex>", "name": "...", "type": "query", "body": "..."}]}
//
// Apollo's generate-persisted-query-manifest writes this format; name
// and type are informative.
type Manifest struct {
	Format     string              `json:"format"`
	Version    int                 `json:"version"`
	Operations []ManifestOperation `json:"operations"`
}

// ManifestOperation is one trusted document.
type ManifestOperation struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
	Body string `json:"body"`
}

// DocumentHash is the id of a document in a manifest and in an
// automatic persisted query: the hex SHA-256 of its text.
func DocumentHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// NewManifest returns the manifest of the documents given by name (the
// operation's name) and text, in name order.
func NewManifest(docs map[string]string, types map[string]string) Manifest {
	m := Manifest{Format: ManifestFormat, Version: 1, Operations: []ManifestOperation{}}
	for name, body := range docs {
		m.Operations = append(m.Operations, ManifestOperation{ID: DocumentHash(body), Name: name, Type: types[name], Body: body})
	}
	sort.Slice(m.Operations, func(i, j int) bool { return m.Operations[i].Name < m.Operations[j].Name })
	return m
}

// ReadTrustedDocuments reads the trusted documents of a manifest file,
// or of every *.json manifest in a directory, keyed by id. An id that is
// not its body's SHA-256 is an error, so that a manifest cannot list a
// document under another's id.
func ReadTrustedDocuments(path string) (map[string]string, error) {
	files := []string{path}
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if fi.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.json")); err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s holds no *.json manifest", path)
		}
	}
	docs := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if m.Format != ManifestFormat || m.Version != 1 {
			return nil, fmt.Errorf("%s: want format %q, version 1", f, ManifestFormat)
		}
		for i, op := range m.Operations {
			if DocumentHash(op.Body) != op.ID {
				return nil, fmt.Errorf("%s: operation %d (%s): id is not the SHA-256 of its body", f, i, op.Name)
			}
			docs[op.ID] = op.Body
		}
	}
	return docs, nil
}

// persistedQueries resolves Apollo's persisted query extension
// ({"persistedQuery": {"version": 1, "sha256Hash": "..."}}): a trusted
// document's hash stands for it, and other hashes are automatic
// persisted queries, registered by sending the document with its hash
// (gqlgen's extension.AutomaticPersistedQuery, in a bounded cache).
// With only set, the hub runs nothing else: a document (sent whole or
// by hash) that is not trusted is refused, and so is registering one.
type persistedQueries struct {
	trusted map[string]string
	only    bool
	apq     extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedQueries{}

func newPersistedQueries(trusted map[string]string, only bool) persistedQueries {
	return persistedQueries{trusted: trusted, only: only, apq: extension.AutomaticPersistedQuery{Cache: newDocumentCache(APQCacheBytes)}}
}

func (persistedQueries) ExtensionName() string                          { return "PersistedQueries" }
func (persistedQueries) Validate(schema graphql.ExecutableSchema) error { return nil }

func (q persistedQueries) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, persisted := persistedHash(p.Extensions)
	if persisted {
		if doc, ok := q.trusted[hash]; ok {
			if p.Query != "" && p.Query != doc {
				return badInput("the document sent is not the one its sha256Hash names")
			}
			p.Query = doc
			return nil
		}
	}
	switch {
	case !q.only:
		return q.apq.MutateOperationParameters(ctx, p)
	case persisted && p.Query != "":
		return notAllowed("this hub runs only its trusted documents and does not register persisted queries")
	case persisted:
		return notAllowed("no trusted document has this sha256Hash; this hub runs only its trusted documents")
	}
	if _, ok := q.trusted[DocumentHash(p.Query)]; !ok {
		return notAllowed("this hub runs only its trusted documents, and this is not one: send a document of its manifest, or its sha256Hash in extensions.persistedQuery")
	}
	return nil
}

// persistedHash returns the sha256Hash of a persisted query extension,
// and whether there is one. A malformed extension is left to gqlgen's,
// which says what is wrong with it.
func persistedHash(ext map[string]any) (string, bool) {
	pq, ok := ext["persistedQuery"].(map[string]any)
	if !ok {
		return "", false
	}
	hash, ok := pq["sha256Hash"].(string)
	return hash, ok
}

func notAllowed(message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodePersistedQueryNotAllowed}}
}

func badInput(message string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", message)
	setCode(err, hub.EINVALID)
	return err
}

// documentCache is a graphql.Cache of documents bounded by their total
// length, the least recently used dropped first.
type documentCache struct {
	max int

	mu    sync.Mutex
	size  int
	byKey map[string]*list.Element
	order *list.List // of *cachedDocument, most recently used first
}

type cachedDocument struct{ key, doc string }

var _ graphql.Cache[string] = (*documentCache)(nil)

func newDocumentCache(maxBytes int) *documentCache {
	return &documentCache{max: maxBytes, byKey: map[string]*list.Element{}, order: list.New()}
}

func (c *documentCache) Get(ctx context.Context, key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedDocument).doc, true
}

func (c *documentCache) Add(ctx context.Context, key, doc string) {
	cost := len(key) + len(doc)
	if cost > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return // the same hash is the same document
	}
	for c.size+cost > c.max {
		e := c.order.Back()
		d := e.Value.(*cachedDocument)
		c.order.Remove(e)
		delete(c.byKey, d.key)
		c.size -= len(d.key) + len(d.doc)
	}
	c.byKey[key] = c.order.PushFront(&cachedDocument{key: key, doc: doc})
	c.size += cost
}
