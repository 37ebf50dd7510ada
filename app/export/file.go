package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
)

// stagedFile is an uploaded file being received from the API stream.
type stagedFile struct {
	path string
	f    *os.File
	h    hash.Hash
	n    int64
}

func (s *stage) file(p string) (*stagedFile, error) {
	f, err := s.create(p)
	if err != nil {
		return nil, err
	}
	return &stagedFile{path: p, f: f, h: sha256.New()}, nil
}

func (f *stagedFile) write(b []byte) error {
	f.h.Write(b)
	f.n += int64(len(b))
	if _, err := f.f.Write(b); err != nil {
		return fmt.Errorf("export: %s: %w", f.path, err)
	}
	return nil
}

// finish closes the file and checks it against what the API said it sent.
func (f *stagedFile) finish(size int64, sum string) error {
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("export: %s: %w", f.path, err)
	}
	if got := hex.EncodeToString(f.h.Sum(nil)); f.n != size || got != sum {
		return fmt.Errorf("export: %s: received %d bytes (sha256 %s), the API sent %d (%s)", f.path, f.n, got, size, sum)
	}
	return nil
}
