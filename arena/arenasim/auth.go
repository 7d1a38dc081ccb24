package arenasim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// issuedToken is a token the simulator handed out.
type issuedToken struct {
	clientID  string
	scopes    []string
	expiresAt time.Time

	// revoked is set when a newer login of the same client ended this token.
	revoked bool
}

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// TokenResponse is the body of a successful token request.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if !decodeBody(w, r, &req) {
		return
	}

	var missing []string
	if req.ClientID == "" {
		missing = append(missing, "client_id")
	}
	if req.ClientSecret == "" {
		missing = append(missing, "client_secret")
	}
	if len(missing) > 0 {
		writeError(w, http.StatusBadRequest, codeInvalidRequest, "missing required fields: "+strings.Join(missing, ", "))
		return
	}

	response, ok := s.login(req)
	if !ok {
		writeError(w, http.StatusUnauthorized, codeInvalidClient,
			fmt.Sprintf("client id %q or its secret is wrong", req.ClientID))
		return
	}

	s.logger.Info("arena simulator issued a token", zap.String(logKeyClientID, req.ClientID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, response)
}

// login checks the credentials and issues a token.
func (s *Sim) login(req tokenRequest) (TokenResponse, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	creds, known := s.clients[req.ClientID]
	if !known || subtle.ConstantTimeCompare([]byte(creds.Secret), []byte(req.ClientSecret)) != 1 {
		s.stats.LoginFailures++
		return TokenResponse{}, false
	}

	now := s.now()
	s.sweepTokens(now)
	if s.newLoginInvalidatesOld {
		s.revokeTokens(req.ClientID)
	}

	value := newTokenValue()
	s.tokens[value] = issuedToken{
		clientID:  req.ClientID,
		scopes:    slices.Clone(creds.Scopes),
		expiresAt: now.Add(s.tokenLifetime),
	}
	s.stats.Logins++

	return TokenResponse{
		AccessToken: value,
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.tokenLifetime / time.Second),
		Scope:       strings.Join(creds.Scopes, " "),
	}, true
}

// sweepTokens deletes expired tokens, so the map does not grow with every
// login. s.mu must be held.
func (s *Sim) sweepTokens(now time.Time) {
	for value, token := range s.tokens {
		if !now.Before(token.expiresAt) {
			delete(s.tokens, value)
		}
	}
}

// revokeTokens ends every token of clientID. s.mu must be held.
func (s *Sim) revokeTokens(clientID string) {
	for value, token := range s.tokens {
		if token.clientID == clientID {
			token.revoked = true
			s.tokens[value] = token
		}
	}
}

// authorize checks the bearer token and its scope for endpoint e, and writes
// 401 or 403 when they do not pass.
func (s *Sim) authorize(e Endpoint, w http.ResponseWriter, r *http.Request) bool {
	if sessionID := r.Header.Get(s.sessionHeader()); sessionID != "" {
		scopes, problem := s.authorizeSession(sessionID)
		if problem != "" {
			writeError(w, http.StatusUnauthorized, codeInvalidToken, problem)
			return false
		}
		return checkScope(e, scopes, w)
	}

	value, hasBearer := bearerToken(r.Header.Get("Authorization"))

	s.mu.Lock()
	token, known := s.tokens[value]
	now := s.now()
	problem := ""
	switch {
	case !hasBearer:
		problem = "missing bearer token; send Authorization: Bearer <token>"
	case !known:
		problem = "token is not valid"
	case token.revoked:
		problem = fmt.Sprintf("token was ended by a newer login of client %q", token.clientID)
	case !now.Before(token.expiresAt):
		problem = fmt.Sprintf("token expired at %s", token.expiresAt.UTC().Format(time.RFC3339))
	}
	if problem != "" {
		s.stats.RejectedUnauthorized++
	}
	s.mu.Unlock()

	if problem != "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, codeInvalidToken, problem)
		return false
	}

	return checkScope(e, token.scopes, w)
}

// checkScope writes 403 and returns false when scopes lack every scope that
// allows endpoint e.
func checkScope(e Endpoint, scopes []string, w http.ResponseWriter) bool {
	needed := requiredScopes(e)
	if !slices.ContainsFunc(needed, func(scope string) bool { return slices.Contains(scopes, scope) }) {
		writeError(w, http.StatusForbidden, codeInsufficientScope,
			fmt.Sprintf("token lacks scope %s required for %s", strings.Join(needed, " or "), e))
		return false
	}

	return true
}

// sessionHeader returns the header name that carries session ids.
func (s *Sim) sessionHeader() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions.header
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(header string) (string, bool) {
	scheme, value, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	value = strings.TrimSpace(value)
	return value, value != ""
}

// ExpireAllTokens makes every issued token expired, as if their lifetime had
// passed.
func (s *Sim) ExpireAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()

	past := s.now().Add(-time.Second)
	for value, token := range s.tokens {
		token.expiresAt = past
		s.tokens[value] = token
	}
}

// SetTokenLifetime sets the lifetime of tokens issued from now on. Zero or
// less issues tokens that are expired at once, so every call fails with 401.
func (s *Sim) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = max(d, 0)
}

// SetNewLoginInvalidatesOld sets whether a login ends the earlier tokens of
// the same client.
func (s *Sim) SetNewLoginInvalidatesOld(invalidate bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.newLoginInvalidatesOld = invalidate
}

func newTokenValue() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
