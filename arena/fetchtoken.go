package arena

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type tokenResponse struct {
	AccessToken string      `json:"access_token"`
	TokenType   string      `json:"token_type"`
	ExpiresIn   json.Number `json:"expires_in"`
	Scope       string      `json:"scope"`
}

// FetchToken requests a new token with the configured client id and secret,
// or in AuthModeSession starts a new session. It bypasses the token source
// and always logs in, which may end earlier Arena sessions of the same
// account.
func (c *Client) FetchToken(ctx context.Context) (Token, error) {
	if c.cfg.AuthMode == AuthModeSession {
		return c.login(ctx)
	}

	cl := call{
		op:        EndpointToken,
		method:    http.MethodPost,
		path:      c.cfg.TokenPath,
		requestID: newRequestID(),
	}
	payload, err := json.Marshal(tokenRequest{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret})
	if err != nil {
		return Token{}, &Error{Op: EndpointToken, Err: fmt.Errorf("%w: encode token request: %v", ErrInvalidArgument, err)}
	}

	var resp tokenResponse
	cl.out = &resp
	issuedAt := c.now()
	if err := c.exchange(ctx, cl, payload, ""); err != nil {
		return Token{}, err
	}

	token, err := resp.token(issuedAt)
	if err != nil {
		return Token{}, &Error{Op: EndpointToken, StatusCode: http.StatusOK, Err: err}
	}

	c.logger.Info("arena token fetched",
		zap.String(logKeyClientID, c.cfg.ClientID),
		zap.Time(logKeyExpiresAt, token.ExpiresAt),
		zap.Strings(logKeyScopes, token.Scopes))

	return token, nil
}

// token converts the response, with issuedAt taken before the request was
// sent so that the computed expiry is never later than Arena's.
func (r tokenResponse) token(issuedAt time.Time) (Token, error) {
	if r.AccessToken == "" {
		return Token{}, fmt.Errorf("%w: token response has no access_token", ErrInvalidResponse)
	}

	token := Token{
		AccessToken: r.AccessToken,
		TokenType:   r.TokenType,
		IssuedAt:    issuedAt,
		Scopes:      strings.Fields(r.Scope),
	}
	if token.TokenType == "" {
		token.TokenType = "Bearer"
	}

	if r.ExpiresIn != "" {
		seconds, err := strconv.ParseFloat(string(r.ExpiresIn), 64)
		if err != nil || seconds < 0 {
			return Token{}, fmt.Errorf("%w: token expires_in %q is not a number of seconds", ErrInvalidResponse, r.ExpiresIn)
		}
		token.ExpiresAt = issuedAt.Add(time.Duration(seconds * float64(time.Second)))
	}

	return token, nil
}
