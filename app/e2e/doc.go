// Package e2e holds end-to-end tests of the whole product: REST, browser and CLI flows
// through the real routers, databases, Redis and workers.
package e2e
