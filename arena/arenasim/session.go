package arenasim

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Defaults of the session login.
const (
	DefaultSessionIdleTimeout = 90 * time.Minute
	DefaultSessionHeader      = "arena_session_id"
)

// sessions are the sessions started at PathLogin. As in real Arena, a
// session ends a fixed time after its last call, and a login ends the
// earlier session of the same user.
type sessions struct {
	byID        map[string]*session
	idleTimeout time.Duration
	header      string
}

type session struct {
	clientID string
	scopes   []string
	lastCall time.Time

	// ended is set when a newer login of the same client ended the session.
	ended bool
}

func newSessions(idleTimeout time.Duration, header string) sessions {
	return sessions{byID: make(map[string]*session), idleTimeout: idleTimeout, header: header}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginResponse is the body of a successful session login.
type LoginResponse struct {
	SessionID string `json:"arenaSessionId"`
}

func (s *Sim) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Email == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, codeInvalidRequest, "missing required fields: email and password")
		return
	}

	id, ok := s.startSession(req)
	if !ok {
		writeError(w, http.StatusUnauthorized, codeInvalidClient,
			fmt.Sprintf("user %q or its password is wrong", req.Email))
		return
	}

	s.logger.Info("arena simulator started a session", zap.String(logKeyClientID, req.Email))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, LoginResponse{SessionID: id})
}

// startSession checks the credentials, ends the user's earlier sessions and
// starts a new one.
func (s *Sim) startSession(req loginRequest) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	creds, known := s.clients[req.Email]
	if !known || subtle.ConstantTimeCompare([]byte(creds.Secret), []byte(req.Password)) != 1 {
		s.stats.LoginFailures++
		return "", false
	}

	now := s.now()
	for id, existing := range s.sessions.byID {
		if existing.clientID == req.Email {
			existing.ended = true
		}
		if !now.Before(existing.lastCall.Add(s.sessions.idleTimeout)) {
			delete(s.sessions.byID, id)
		}
	}

	id := newTokenValue()
	s.sessions.byID[id] = &session{clientID: req.Email, scopes: slices.Clone(creds.Scopes), lastCall: now}
	s.stats.SessionLogins++
	return id, true
}

// authorizeSession checks the session id of a request that sent the session
// header, marks the call as the session's last one and returns its scopes.
// The problem is empty when the session is valid.
func (s *Sim) authorizeSession(id string) (scopes []string, problem string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.now()
	current, known := s.sessions.byID[strings.TrimSpace(id)]
	switch {
	case !known:
		problem = "session is not valid"
	case current.ended:
		problem = fmt.Sprintf("session was ended by a newer login of user %q", current.clientID)
	case !now.Before(current.lastCall.Add(s.sessions.idleTimeout)):
		problem = fmt.Sprintf("session ended after %s without calls", s.sessions.idleTimeout)
	}
	if problem != "" {
		s.stats.RejectedUnauthorized++
		return nil, problem
	}

	current.lastCall = now
	return current.scopes, ""
}

// SetSessionIdleTimeout sets how long a session lasts after its last call.
func (s *Sim) SetSessionIdleTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions.idleTimeout = max(d, 0)
}
