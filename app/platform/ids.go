package platform

import "github.com/google/uuid"

// NewID returns a new UUIDv7 string: unique and ordered by creation time.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }
