package arena

import "context"

// CheckScopes gets a token from the token source and returns a *ScopeError
// listing the required scopes it lacks. Run it at start-up, so a service
// account without the needed grants stops the process with a clear message
// instead of failing every call with 403.
//
// In AuthModeSession it only checks that the login succeeds, because an
// Arena session carries the user's permissions and no scopes. A missing
// permission then shows as 403 on the first call that needs it.
func (c *Client) CheckScopes(ctx context.Context) error {
	token, err := c.token(ctx)
	if err != nil {
		return err
	}
	if c.cfg.AuthMode == AuthModeSession {
		return nil
	}

	var missing []string
	for _, scope := range c.cfg.RequiredScopes {
		if !token.HasScope(scope) {
			missing = append(missing, scope)
		}
	}
	if len(missing) == 0 {
		return nil
	}

	return &ScopeError{ClientID: c.cfg.ClientID, Missing: missing, Granted: token.Scopes}
}
