package catalog

import (
	"context"
	"fmt"
)

// Catalog resolves LMS course ids to Arena course ids from Redis, the
// catalog file and pass-through, in that order.
type Catalog struct {
	cfg   Config
	redis *Redis
	file  Courses
}

// New reads the catalog file of cfg, if any, and returns the Catalog.
// entries may be nil when no entries are kept in Redis.
func New(cfg Config, entries *Redis) (*Catalog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}

	c := &Catalog{cfg: cfg, redis: entries, file: Courses{}}
	if cfg.File != "" {
		file, err := Load(cfg.File)
		if err != nil {
			return nil, err
		}
		c.file = file
	}

	return c, nil
}

// ArenaCourse returns the Arena course id of an LMS course. ok is false
// when no source maps the course and pass-through is off. The error is set
// only when Redis failed; the caller retries later.
func (c *Catalog) ArenaCourse(ctx context.Context, lmsCourseID string) (arenaCourseID string, ok bool, err error) {
	if c.redis != nil {
		arenaCourseID, ok, err = c.redis.Get(ctx, lmsCourseID)
		if err != nil || ok {
			return arenaCourseID, ok, err
		}
	}

	if arenaCourseID, ok = c.file[lmsCourseID]; ok {
		return arenaCourseID, true, nil
	}

	if c.cfg.Passthrough {
		return lmsCourseID, true, nil
	}

	return "", false, nil
}

// Describe returns the sources of the catalog for the start-up log and
// for unknown_course messages, such as
// `Redis entries, file courses.yaml (12 courses), no pass-through`.
func (c *Catalog) Describe() string {
	text := "no Redis entries"
	if c.redis != nil {
		text = "Redis entries"
	}

	if c.cfg.File != "" {
		text += fmt.Sprintf(", file %s (%d courses)", c.cfg.File, len(c.file))
	} else {
		text += ", no file"
	}

	if c.cfg.Passthrough {
		return text + ", pass-through"
	}

	return text + ", no pass-through"
}
