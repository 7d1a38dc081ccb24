package arena

import "context"

// CheckScopes gets a token from the token source and returns a *ScopeError
// listing the required scopes it lacks. Run it at start-up, so a service
// account without the needed grants stops the process with a clear message
// instead of failing every call with 403.
func (c *Client) CheckScopes(ctx context.Context) error {
	token, err := c.token(ctx)
	if err != nil {
		return err
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
