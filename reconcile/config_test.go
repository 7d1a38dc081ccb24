package reconcile

import (
	"errors"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	cfg := Config{Prefix: "arenasync:"}
	cfg.setDefaults()

	want := Config{
		Prefix: "arenasync:", Workers: 8, StaleApprovalAge: 168 * time.Hour, InFlightGrace: time.Hour, ResumeWindow: 24 * time.Hour,
		FetchAttempts: 4, FetchBackoff: time.Second, LockTTL: time.Minute, At: 0, Location: time.UTC, RetryInterval: 15 * time.Minute,
	}
	if cfg != want {
		t.Errorf("defaults = %+v\nwant %+v", cfg, want)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func(change func(*Config)) Config {
		cfg := Config{Prefix: "arenasync:"}
		cfg.setDefaults()
		change(&cfg)

		return cfg
	}

	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "defaults", cfg: valid(func(*Config) {})},
		{name: "no prefix", cfg: valid(func(c *Config) { c.Prefix = "" }), wantErr: true},
		{name: "no workers", cfg: valid(func(c *Config) { c.Workers = 0 }), wantErr: true},
		{name: "no fetch attempts", cfg: valid(func(c *Config) { c.FetchAttempts = -1 }), wantErr: true},
		{name: "time of day of 24h", cfg: valid(func(c *Config) { c.At = 24 * time.Hour }), wantErr: true},
		{name: "negative time of day", cfg: valid(func(c *Config) { c.At = -time.Minute }), wantErr: true},
		{name: "negative stale age", cfg: valid(func(c *Config) { c.StaleApprovalAge = -time.Hour }), wantErr: true},
		{name: "negative lock TTL", cfg: valid(func(c *Config) { c.LockTTL = -time.Second }), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestCategoryDifference(t *testing.T) {
	for _, c := range Categories {
		want := c != CategoryOK && c != CategoryInFlight
		if c.Difference() != want {
			t.Errorf("%s.Difference() = %v, want %v", c, c.Difference(), want)
		}
	}
}
