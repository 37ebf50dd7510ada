package web

import "github.com/gofiber/fiber/v3"

// renew gives the request's session a new id and a new CSRF token, keeping who is signed
// in and in which organization. It is the one call for every change of privilege: a
// switch of organization, a role change of the signed-in user, a password change. Change
// the session's values first, then renew, so that an id (or a page's CSRF token) seen
// before the change is worth nothing after it:
//
//	ws := sessionOf(c)
//	ws.sess.Values[keyOrgID] = newOrgID
//	if err := h.sessions.renew(c); err != nil { … }
//
// login is the same for a new user (it starts from empty values).
func (m *sessionManager) renew(c fiber.Ctx) error {
	ws := sessionOf(c)
	kept := ws.sess.Values
	if err := m.store.Renew(c.Context(), ws.sess); err != nil {
		return err
	}
	for k, v := range kept {
		if k != keyCSRF {
			ws.sess.Values[k] = v
		}
	}
	t, err := randomToken()
	if err != nil {
		return err
	}
	ws.sess.Values[keyCSRF] = t
	return m.save(c)
}

// currentID is the row id of the request's session ("" before it is saved).
func (m *sessionManager) currentID(c fiber.Ctx) string {
	if ws := sessionOf(c); ws != nil {
		return ws.sess.ID
	}
	return ""
}
