package audit

import "context"

// Request is where an event came from: the client IP (as the trusted-proxy rules give
// it) and the User-Agent header.
type Request struct {
	IP        string
	UserAgent string
}

type requestKey struct{}

// WithRequest returns ctx carrying r, for the events recorded while serving it.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the Request of ctx, or the zero Request outside one.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
