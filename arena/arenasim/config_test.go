package arenasim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     arenasim.Config
		wantErr string
	}{
		{name: "zero config", cfg: arenasim.Config{}},
		{
			name:    "client without secret",
			cfg:     arenasim.Config{Clients: map[string]arenasim.ClientCredentials{"svc": {}}},
			wantErr: `invalid arena simulator config: Clients["svc"] has no secret`,
		},
		{
			name:    "error rate above 1",
			cfg:     arenasim.Config{ErrorRate: 1.5},
			wantErr: "invalid arena simulator config: ErrorRate 1.5 is outside 0..1",
		},
		{
			name:    "negative rate limit and latency",
			cfg:     arenasim.Config{RateLimit: -1, Latency: -time.Second},
			wantErr: "invalid arena simulator config: RateLimit -1 is negative; use 0 for no limit\ninvalid arena simulator config: Latency -1s is negative",
		},
		{
			name:    "unknown record status",
			cfg:     arenasim.Config{Records: []arenasim.Record{{Status: "DONE"}}},
			wantErr: `invalid arena simulator config: Records[0] status "DONE" is not a training record status`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()

			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Validate() = %q, want %q", err.Error(), tt.wantErr)
			}
			if !errors.Is(err, arenasim.ErrInvalidConfig) {
				t.Errorf("errors.Is(err, ErrInvalidConfig) = false")
			}
		})
	}
}

func TestNewServerPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewServer did not panic")
		}
	}()
	arenasim.NewServer(arenasim.Config{ErrorRate: 2}, nil)
}
