package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key arenasync writes.
const DefaultPrefix = "arenasync:"

// Config locates the Redis server.
type Config struct {
	// Addr is host:port of the Redis server. Required.
	Addr string
	// Username and Password authenticate when the server requires it. Optional.
	Username string
	Password string
	// DB is the Redis database number. Default 0.
	DB int
	// Prefix starts every key. Default "arenasync:".
	Prefix string
	// DialTimeout bounds connecting. Default 5s.
	DialTimeout time.Duration
	// CommandTimeout bounds reads and writes of one command. Default 3s.
	CommandTimeout time.Duration
}

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = 3 * time.Second
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("redis address is missing: set --redis-addr or ARENASYNC_REDIS_ADDR to host:port")
	case !strings.Contains(c.Addr, ":"):
		return fmt.Errorf("redis address %q has no port: use host:port, such as 127.0.0.1:6379", c.Addr)
	case c.DB < 0:
		return fmt.Errorf("redis database %d is negative", c.DB)
	}

	return nil
}

// Open connects a client to the configured server. It does not wait for the
// server: commands fail until it answers.
func Open(cfg Config) (*redis.Client, string, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}

	client := redis.NewClient(&redis.Options{
		Addr:         cfg.Addr,
		Username:     cfg.Username,
		Password:     cfg.Password,
		DB:           cfg.DB,
		DialTimeout:  cfg.DialTimeout,
		ReadTimeout:  cfg.CommandTimeout,
		WriteTimeout: cfg.CommandTimeout,
	})

	return client, cfg.Prefix, nil
}
