package ingest

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"

	"code.dny.dev/ssrf"

	"github.com/assayhq/assay/app/netguard"
)

// Defaults of FetchOptions.
const (
	DefaultFetchTimeout = 60 * time.Second
	DefaultMaxRedirects = 5
	maxURLBytes         = 2048
)

// FetchOptions limit what a Fetcher downloads and from where.
type FetchOptions struct {
	// Timeout bounds a whole download, redirects and body included (default 60 s).
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed (default 5).
	MaxRedirects int
	// AllowedPrivate are address ranges allowed although they are not public.
	AllowedPrivate []netip.Prefix
}

// Fetcher downloads dataset sources from http(s) URLs, connecting only to public
// addresses: the check runs on the resolved address of every connection, so a host
// name that resolves to a private address and a redirect to one are refused alike.
type Fetcher struct {
	client  *http.Client
	guard   *ssrf.Guardian
	timeout time.Duration
}

// NewFetcher builds a Fetcher; it holds a connection pool, so share one.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultFetchTimeout
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	guard := netguard.New(o.AllowedPrivate)
	transport := netguard.Transport(guard, o.Timeout)
	max := o.MaxRedirects
	client := &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > max {
				return &SourceError{Msg: fmt.Sprintf("the URL redirected more than %d times", max)}
			}
			if err := checkScheme(req.URL); err != nil {
				return &SourceError{Msg: "the URL redirects to an address that is not http or https"}
			}
			return nil
		},
	}
	return &Fetcher{client: client, guard: guard, timeout: o.Timeout}
}

// Timeout is the time limit of one download.
func (f *Fetcher) Timeout() time.Duration { return f.timeout }

// SourceError is a download that failed; Msg is safe to show users. Retry says whether
// trying again later may help (a 5xx or 429 answer).
type SourceError struct {
	Msg   string
	Retry bool
	Err   error
	// Limit is the size limit the file went over (0: another failure), so a caller that
	// lowered the limit for a plan can say so.
	Limit int64
}

func (e *SourceError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *SourceError) Unwrap() error { return e.Err }

// CheckURL checks a source URL before anything is fetched: an absolute http or https URL
// without credentials, whose host, when it is an IP address, is public. Host names are
// checked when they are resolved, at every connection.
func (f *Fetcher) CheckURL(raw string) (*url.URL, error) {
	if len(raw) > maxURLBytes {
		return nil, &SourceError{Msg: "source_url is longer than 2048 characters"}
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, &SourceError{Msg: "source_url must be an absolute http or https URL"}
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	if u.User != nil {
		return nil, &SourceError{Msg: "source_url must not hold a user name or password"}
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		if err := f.guard.SafeAddr(ip.Unmap()); err != nil {
			return nil, &SourceError{Msg: "source_url points to a private or reserved address, which is not allowed", Err: err}
		}
	}
	return u, nil
}

func checkScheme(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return &SourceError{Msg: "source_url must use http or https"}
	}
	return nil
}

// Download is an answered request whose body is being read.
type Download struct {
	// Body reads the response body: at most the maxBytes given to Get, within the time limit.
	Body *bufio.Reader
	// ContentType is the answer's Content-Type.
	ContentType string
	// Name is the last segment of the final URL's path.
	Name string
	body io.Closer
	stop context.CancelFunc
}

// Close releases the connection.
func (d *Download) Close() error {
	defer d.stop()
	return d.body.Close()
}

// Format decides the download's format without consuming its body.
func (d *Download) Format() Format { return DetectFormat(d.ContentType, d.Name, d.Body) }

var errTimeout = errors.New("source download timed out")

// Get requests raw and returns its body once a 2xx answer arrives. Failures are
// *SourceError. Reading more than maxBytes, or past the time limit, fails with one too.
func (f *Fetcher) Get(ctx context.Context, raw string, maxBytes int64) (*Download, error) {
	u, err := f.CheckURL(raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.timeout, errTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, &SourceError{Msg: "source_url is not a valid URL", Err: err}
	}
	req.Header.Set("Accept", "text/csv, application/x-ndjson;q=0.9, */*;q=0.5")
	req.Header.Set("User-Agent", "Assay/1 (dataset fetch)")
	res, err := f.client.Do(req)
	if err != nil {
		err = f.requestError(ctx, u, err) // before cancel: it reads why ctx ended
		cancel()
		return nil, err
	}
	fail := func(e *SourceError) (*Download, error) {
		res.Body.Close()
		cancel()
		return nil, e
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fail(&SourceError{
			Msg:   fmt.Sprintf("the URL answered %d %s", res.StatusCode, http.StatusText(res.StatusCode)),
			Retry: res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500,
		})
	}
	if res.ContentLength > maxBytes {
		return fail(tooLarge(maxBytes))
	}
	body := &sourceBody{ctx: ctx, r: res.Body, left: maxBytes, max: maxBytes, timeout: f.timeout}
	return &Download{
		Body:        bufio.NewReaderSize(body, 64<<10),
		ContentType: res.Header.Get("Content-Type"),
		Name:        path.Base(res.Request.URL.Path),
		body:        res.Body,
		stop:        cancel,
	}, nil
}

// requestError phrases a failed request for users.
func (f *Fetcher) requestError(ctx context.Context, u *url.URL, err error) error {
	var se *SourceError
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var ue *url.Error
	var ne net.Error
	redirected := errors.As(err, &ue) && ue.URL != u.String()
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, ssrf.ErrProhibitedIP), errors.Is(err, ssrf.ErrProhibitedNetwork):
		if redirected {
			return &SourceError{Msg: "the URL redirects to a private or reserved address, which is not allowed", Err: err}
		}
		return &SourceError{Msg: "the URL's host resolves to a private or reserved address, which is not allowed", Err: err}
	case errors.Is(context.Cause(ctx), errTimeout):
		return timedOut(f.timeout)
	case errors.As(err, &dns):
		return &SourceError{Msg: fmt.Sprintf("the host %q could not be found", dns.Name), Retry: dns.IsTemporary, Err: err}
	case errors.As(err, &cert):
		return &SourceError{Msg: "the server's TLS certificate is not valid", Err: err}
	case ctx.Err() != nil:
		return err // the caller's context ended: not the source's fault
	case errors.As(err, &ne) && ne.Timeout():
		// The transport's own limits (response headers, dialing) can fire a moment
		// before the download's deadline does.
		return timedOut(f.timeout)
	}
	return &SourceError{Msg: "the URL could not be reached", Retry: true, Err: err}
}

func tooLarge(max int64) *SourceError {
	return &SourceError{Msg: fmt.Sprintf("the file is larger than the limit of %s", sizeText64(max)), Limit: max}
}

func timedOut(d time.Duration) *SourceError {
	return &SourceError{Msg: fmt.Sprintf("the download did not finish within %s", d)}
}

func sizeText64(n int64) string {
	if n > 1<<40 {
		return fmt.Sprintf("%d bytes", n)
	}
	return sizeText(int(n))
}

// sourceBody enforces the size and time limits on a response body.
type sourceBody struct {
	ctx     context.Context
	r       io.Reader
	left    int64
	max     int64
	timeout time.Duration
}

func (b *sourceBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, tooLarge(b.max)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, tooLarge(b.max)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(context.Cause(b.ctx), errTimeout) {
			return n, timedOut(b.timeout)
		}
		return n, &SourceError{Msg: "the download was cut off", Retry: true, Err: err}
	}
	return n, err
}
