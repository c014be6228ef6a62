package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/otehub/hub/graph/gqlexec"
)

// postJSON is the POST transport. It answers as gqlgen's transport.POST
// does, and hands it every request it cannot run (an unreadable body, a
// body that is not a request, an operation that does not validate), but
// writes the response of an operation it runs itself. transport.POST
// encodes the response with encoding/json, which validates and copies the
// executor's output byte by byte on the request's one goroutine: a tenth
// of the time of a page of 100 pilots with their partners and funding.
// The executor's output is JSON already (every scalar writes valid JSON),
// so postJSON writes it as it is.
type postJSON struct {
	gqlgen transport.POST
}

var _ graphql.Transport = postJSON{}

func (t postJSON) Supports(r *http.Request) bool { return t.gqlgen.Supports(r) }

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// transport.POST reads the same bytes and then the same error.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), failingReader{err}))
		t.gqlgen.Do(w, r, exec)
		return
	}
	handOver := func() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.gqlgen.Do(w, r, exec)
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		handOver()
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		handOver()
		return
	}
	w.Header().Set("Content-Type", responseContentType(r.Header.Get("Accept")))
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		// The request was cancelled before the operation ran; gqlgen's
		// transport writes the nil response as null.
		io.WriteString(w, "null")
		return
	}
	writeResponse(w, resp)
	// Written: a Writer keeps nothing of what it was given.
	gqlexec.ReleaseResponse(resp.Data)
}

// responseContentType picks the response's media type from the request's
// Accept header, as transport.POST does: application/json when the client
// accepts it (or anything), application/graphql-response+json when it
// asks for that first or accepts neither.
func responseContentType(accept string) string {
	const (
		plainJSON    = "application/json"
		responseJSON = "application/graphql-response+json"
	)
	if accept == "" {
		return plainJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", plainJSON:
			return plainJSON
		case responseJSON:
			return responseJSON
		}
	}
	return responseJSON
}

// writeResponse writes resp as encoding/json would, with its data as the
// executor wrote it. The data goes to w as it is: copying it into one
// buffer first would cost the size of the response again.
func writeResponse(w io.Writer, resp *graphql.Response) {
	var head bytes.Buffer
	head.WriteByte('{')
	if len(resp.Errors) > 0 {
		writeMember(&head, "errors", resp.Errors)
		head.WriteByte(',')
	}
	head.WriteString(`"data":`)
	data := resp.Data
	if data == nil {
		data = []byte("null")
	}
	var tail bytes.Buffer
	if resp.Label != "" {
		tail.WriteByte(',')
		writeMember(&tail, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		tail.WriteByte(',')
		writeMember(&tail, "path", resp.Path)
	}
	if resp.HasNext != nil {
		tail.WriteByte(',')
		writeMember(&tail, "hasNext", *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		tail.WriteByte(',')
		writeMember(&tail, "extensions", resp.Extensions)
	}
	tail.WriteByte('}')
	w.Write(head.Bytes())
	w.Write(data)
	w.Write(tail.Bytes())
}

// writeMember writes "name":value; value is one of the response's own
// fields, which encode (gqlgen's errors, paths and extensions).
func writeMember(b *bytes.Buffer, name string, value any) {
	b.WriteString(`"` + name + `":`)
	v, err := json.Marshal(value)
	if err != nil {
		// Extensions hold what gqlgen's extensions put there; one that does
		// not encode would have failed transport.POST too.
		v = []byte("null")
	}
	b.Write(v)
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
