package webhookauth

import (
	"net/http"
	"strings"
)

// bearer checks "Authorization: Bearer <token>".
type bearer struct {
	tokens tokenSet
}

// Scheme returns "Bearer".
func (b *bearer) Scheme() string { return "Bearer" }

// Verify checks the bearer token.
func (b *bearer) Verify(header http.Header, _ []byte) error {
	token, ok := BearerToken(header.Get("Authorization"))
	if !ok {
		return fail(ReasonMissingToken, "the Authorization header does not carry a bearer token: send Authorization: Bearer <token>")
	}
	if !b.tokens.contains(token) {
		return fail(ReasonWrongToken, "the bearer token is wrong: send the token configured for this source")
	}

	return nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>"
// header. The scheme is matched without regard to case, as RFC 9110
// requires.
func BearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}

	token = strings.TrimSpace(token)

	return token, token != ""
}
