package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthcheckExitCodes(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			w.WriteHeader(http.StatusOK)

			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer server.Close()

	cases := []struct {
		name     string
		url      string
		wantCode int
	}{
		{name: "ready", url: server.URL + "/readyz", wantCode: 0},
		{name: "not ready", url: server.URL + "/other", wantCode: 1},
		{name: "closed port", url: "http://127.0.0.1:1/readyz", wantCode: 1},
		{name: "invalid url", url: "http://[::1", wantCode: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := newRootCommand()
			root.SetArgs([]string{"healthcheck", tc.url})
			err := root.Execute()

			code := 0
			var exit exitError
			if errors.As(err, &exit) {
				code = exit.code
			} else if err != nil {
				t.Fatalf("error %v is not an exitError", err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (error: %v)", code, tc.wantCode, err)
			}
		})
	}
}
