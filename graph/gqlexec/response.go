package gqlexec

import (
	"bytes"
	"sync"
)

// maxKeptResponse bounds the buffers kept for later responses, so that
// one very large answer does not stay in memory.
const maxKeptResponse = 4 << 20

var responseBuffers sync.Pool // of *[]byte, empty, with room

// ResponseBuffer returns an empty buffer for the executor to write a
// response's data into, with the room an earlier response's left
// (ReleaseResponse). The executor's own buffer starts empty and doubles
// its way up to the size of the response, copying it each time, on the
// goroutine that writes the response after every field has resolved.
func ResponseBuffer() *bytes.Buffer {
	if b, ok := responseBuffers.Get().(*[]byte); ok {
		return bytes.NewBuffer((*b)[:0])
	}
	return new(bytes.Buffer)
}

// ReleaseResponse gives back the data of a response once it has been
// written and nothing holds it any more, for ResponseBuffer to reuse.
func ReleaseResponse(data []byte) {
	if cap(data) == 0 || cap(data) > maxKeptResponse {
		return
	}
	empty := data[:0]
	responseBuffers.Put(&empty)
}
