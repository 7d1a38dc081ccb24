package webhookauth

import (
	"encoding/json"
	"net/http"
)

// bodyToken checks a token in a top-level JSON field of the body.
type bodyToken struct {
	field  string
	tokens tokenSet
}

// Scheme returns "BodyToken".
func (b *bodyToken) Scheme() string { return "BodyToken" }

// Verify reads the token field of the body and compares it.
func (b *bodyToken) Verify(_ http.Header, body []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fail(ReasonMissingToken, "the body is not a JSON object, so it carries no "+b.field+" field: send the token in the body")
	}

	var token string
	raw, ok := fields[b.field]
	if !ok || json.Unmarshal(raw, &token) != nil || token == "" {
		return fail(ReasonMissingToken, "the body has no "+b.field+" string: send the token configured for this source")
	}
	if !b.tokens.contains(token) {
		return fail(ReasonWrongToken, "the "+b.field+" field of the body is wrong: send the token configured for this source")
	}

	return nil
}
