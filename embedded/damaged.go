package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
)

// ErrDamaged is the error of Open and Load when the database file is not
// a whole bbolt file: truncated, overwritten, or not a database at all.
var ErrDamaged = errors.New("the database file is damaged")

// bbolt's file format (version 2): two meta pages at the start, each a
// 16-byte page header and then the meta, whose last field is an FNV-64a
// checksum of the fields before it. The values are in the machine's
// byte order; every platform Go's bbolt builds for here is
// little-endian.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16
	metaSize        = 64
	metaChecksumEnd = 56
)

// boltMeta is the part of a meta page the check reads.
type boltMeta struct {
	pageSize       uint32
	root, freelist uint64
	pgid, txid     uint64
}

// readMeta reads the meta page at offset off of f, or reports false
// when there is none there (wrong magic, version or checksum).
func readMeta(f io.ReaderAt, off int64) (boltMeta, bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	if _, err := f.ReadAt(buf, off); err != nil {
		return boltMeta{}, false
	}
	m := buf[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumEnd])
	if h.Sum64() != le.Uint64(m[metaChecksumEnd:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// checkFile checks, before bbolt maps it, that the file at path (when
// it exists and is not empty) holds a valid meta page and every page that
// meta page counts. bbolt maps the file and reads the pages the meta
// names; a page past the end of a truncated file is a SIGBUS, which
// kills the process rather than failing Open.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if size == 0 {
		return nil // bbolt initialises an empty file
	}
	// The newest valid meta page is the one bbolt uses; the second is
	// one page after the first, at the page size the first gives or,
	// when the first is damaged, at any page size bbolt allows.
	best, ok := readMeta(f, 0)
	offsets := []int64{4096, 8192, 16384, 32768, 65536}
	if ok {
		offsets = []int64{int64(best.pageSize)}
	}
	for _, off := range offsets {
		if m, found := readMeta(f, off); found && (!ok || m.txid > best.txid) && int64(m.pageSize) == off {
			best, ok = m, true
			break
		}
	}
	switch {
	case !ok:
		return fmt.Errorf("%w: it holds no valid bbolt meta page (%d bytes; not a hub database, or overwritten)", ErrDamaged, size)
	case best.pageSize < 512 || best.pageSize > 1<<20:
		return fmt.Errorf("%w: its meta page gives a page size of %d bytes", ErrDamaged, best.pageSize)
	case best.pgid < 2 || best.root >= best.pgid || (best.freelist >= best.pgid && best.freelist != ^uint64(0)):
		return fmt.Errorf("%w: its meta page names pages outside the file", ErrDamaged)
	case best.pgid > uint64(size)/uint64(best.pageSize):
		return fmt.Errorf("%w: it is %d bytes long but its pages reach %d bytes (truncated?)",
			ErrDamaged, size, best.pgid*uint64(best.pageSize))
	}
	return nil
}

// guardFaults runs fn, turning a fault while it reads the mapped file
// (a page past the end of a damaged file: SIGBUS) and a panic of bbolt
// on a page it cannot read into an ErrDamaged error. Without it, either
// kills the process with a stack trace that does not name the file.
// A panic of the caller's code that fn runs (see callerCode) goes on as
// it was: it is a bug there, not a damaged file.
func guardFaults(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if c, ok := p.(callerPanic); ok {
				panic(c.value)
			}
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return fn()
}

// callerPanic carries a panic of the caller's code through guardFaults.
type callerPanic struct{ value any }

// callerCode runs the caller's code f inside guardFaults, marking its
// panics as the caller's.
func callerCode(f func() error) error {
	defer func() {
		if p := recover(); p != nil {
			panic(callerPanic{p})
		}
	}()
	return f()
}
