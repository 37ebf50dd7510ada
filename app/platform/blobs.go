package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrBlobNotFound is returned for a key that holds nothing.
var ErrBlobNotFound = errors.New("blob not found")

// Blobs stores opaque files by key. Keys are slash-separated paths of safe characters.
type Blobs interface {
	// Put streams r into key and returns the bytes written; a failed Put leaves nothing.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads a whole blob.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// OpenRange reads length bytes from offset.
	OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Delete removes a key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every key under prefix.
	DeletePrefix(ctx context.Context, prefix string) error
}

// DirBlobs is blob storage in a local directory.
type DirBlobs struct{ root string }

// OpenDirBlobs creates root if needed.
func OpenDirBlobs(root string) (*DirBlobs, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("blobs: %w", err)
	}
	return &DirBlobs{root: root}, nil
}

func (b *DirBlobs) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return "", fmt.Errorf("blobs: invalid key %q", key)
	}
	return filepath.Join(b.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file and renames it into place, so readers never see half a blob.
func (b *DirBlobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := b.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, fmt.Errorf("blobs: put: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return 0, fmt.Errorf("blobs: put: %w", err)
	}
	n, err := io.Copy(f, ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return n, fmt.Errorf("blobs: put %s: %w", key, err)
	}
	return n, nil
}

// Open opens key for reading.
func (b *DirBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := b.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p) // #nosec G304 -- p comes from path, which rejects keys that leave the root
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blobs: %s: %w", key, ErrBlobNotFound)
	}
	return f, err
}

// OpenRange opens a section of key.
func (b *DirBlobs) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, err := b.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	f := rc.(*os.File)
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, offset, length), f}, nil
}

// Delete removes key.
func (b *DirBlobs) Delete(_ context.Context, key string) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blobs: delete %s: %w", key, err)
	}
	return nil
}

// DeletePrefix removes a directory of keys.
func (b *DirBlobs) DeletePrefix(_ context.Context, prefix string) error {
	p, err := b.path(strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// ctxReader stops a long copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
