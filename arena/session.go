package arena

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"go.uber.org/zap"
)

// sessionTokenType is the Token.TokenType of a session id from AuthModeSession.
const sessionTokenType = "Session"

type loginRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	WorkspaceID int64  `json:"workspaceId,omitempty"`
}

type loginResponse struct {
	SessionID string `json:"arenaSessionId"`
}

// login starts an Arena session and returns its id as a Token. The token
// expires SessionIdleTimeout after the login, so token sources log in again
// before Arena could end an idle session. Arena grants no scopes to a
// session, so the token has none.
func (c *Client) login(ctx context.Context) (Token, error) {
	cl := call{
		op:        EndpointLogin,
		method:    http.MethodPost,
		path:      c.cfg.LoginPath,
		requestID: newRequestID(),
	}
	payload, err := json.Marshal(loginRequest{Email: c.cfg.ClientID, Password: c.cfg.ClientSecret, WorkspaceID: c.cfg.WorkspaceID})
	if err != nil {
		return Token{}, &Error{Op: EndpointLogin, Err: fmt.Errorf("%w: encode login request: %v", ErrInvalidArgument, err)}
	}

	var resp loginResponse
	cl.out = &resp
	issuedAt := c.now()
	if err := c.exchange(ctx, cl, payload, ""); err != nil {
		return Token{}, err
	}
	if resp.SessionID == "" {
		return Token{}, &Error{
			Op:         EndpointLogin,
			StatusCode: http.StatusOK,
			Err:        fmt.Errorf("%w: login response has no arenaSessionId", ErrInvalidResponse),
		}
	}

	token := Token{
		AccessToken: resp.SessionID,
		TokenType:   sessionTokenType,
		IssuedAt:    issuedAt,
		ExpiresAt:   issuedAt.Add(c.cfg.SessionIdleTimeout),
	}
	c.logger.Info("arena session started",
		zap.String(logKeyClientID, c.cfg.ClientID),
		zap.Time(logKeyExpiresAt, token.ExpiresAt))

	return token, nil
}
