package web

import "strings"

// device is what the sessions page shows of a User-Agent header.
type device struct {
	Browser string // e.g. "Firefox", "Chrome", "Safari"; "Unknown browser" if not recognized
	OS      string // e.g. "Windows", "macOS", "Android"; "" if not recognized
}

// String reads as "Firefox on Windows".
func (d device) String() string {
	if d.OS == "" {
		return d.Browser
	}
	return d.Browser + " on " + d.OS
}

// uaRule names a product when its token appears in the header. Order matters: many
// browsers also send the tokens of the ones they descend from (Edge and Opera send
// "Chrome/", Chrome sends "Safari/").
type uaRule struct{ token, name string }

var browserRules = []uaRule{
	{"edg/", "Edge"}, {"edga/", "Edge"}, {"edgios/", "Edge"},
	{"opr/", "Opera"}, {"opios/", "Opera"},
	{"samsungbrowser/", "Samsung Internet"},
	{"vivaldi/", "Vivaldi"},
	{"firefox/", "Firefox"}, {"fxios/", "Firefox"},
	{"crios/", "Chrome"}, {"chromium/", "Chromium"}, {"chrome/", "Chrome"},
	{"curl/", "curl"}, {"wget/", "Wget"}, {"go-http-client/", "Go HTTP client"},
	{"python-requests/", "Python Requests"},
	{"safari/", "Safari"},
}

var osRules = []uaRule{
	{"iphone", "iOS"}, {"ipad", "iPadOS"}, {"ipod", "iOS"},
	{"android", "Android"},
	{"cros ", "ChromeOS"},
	{"windows", "Windows"},
	{"macintosh", "macOS"}, {"mac os x", "macOS"},
	{"linux", "Linux"}, {"freebsd", "FreeBSD"},
}

// parseUserAgent recognizes the common browsers and operating systems; it is for
// showing a person which device a session is, not for any decision.
func parseUserAgent(ua string) device {
	l := strings.ToLower(ua)
	d := device{Browser: "Unknown browser"}
	for _, r := range browserRules {
		if strings.Contains(l, r.token) {
			d.Browser = r.name
			break
		}
	}
	for _, r := range osRules {
		if strings.Contains(l, r.token) {
			d.OS = r.name
			break
		}
	}
	return d
}
