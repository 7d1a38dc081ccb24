package handler

import (
	"context"
	"fmt"
	"strings"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// CourseCatalog maps LMS course ids to Arena course ids; *catalog.Catalog
// implements it.
type CourseCatalog interface {
	// ArenaCourse returns the Arena course id of an LMS course. ok is false
	// when the course is unknown; err is set when the lookup failed.
	ArenaCourse(ctx context.Context, lmsCourseID string) (arenaCourseID string, ok bool, err error)
}

// arenaCourse returns the Arena course id of e's LMS course. ok is false
// with the outcome to return when the course is unknown or the lookup failed.
func (h *Handler) arenaCourse(ctx context.Context, e pipeline.Event) (string, pipeline.Outcome, bool) {
	if h.catalog == nil {
		return e.CourseID, pipeline.Outcome{}, true
	}

	courseID, ok, err := h.catalog.ArenaCourse(ctx, e.CourseID)
	if err != nil {
		return "", storeFailure(err), false
	}
	if !ok {
		return "", pipeline.Reject(pipeline.ReasonUnknownCourse, fmt.Sprintf(
			"LMS course %s is not in the course catalog: map it with `arenasync catalog set %s ARENA-COURSE-ID` or add it to the catalog file, then replay",
			e.CourseID, e.CourseID)), false
	}

	return courseID, pipeline.Outcome{}, true
}

// createFailure classifies a failed record creation. Arena responds with 404
// to an unknown employee and to an unknown course alike. Arena's error code
// tells them apart when it names one; otherwise an employee that the
// check confirmed points at the course.
func (h *Handler) createFailure(ctx context.Context, e pipeline.Event, courseID string, err error) pipeline.Outcome {
	if !arena.IsNotFound(err) {
		return arenaFailure(pipeline.OpCreateRecord, err)
	}

	code := ""
	if ae, ok := arena.AsError(err); ok {
		code = strings.ToLower(ae.Code)
	}

	switch {
	case strings.Contains(code, "course"):
		return unknownArenaCourse(e, courseID, failureOf(pipeline.OpCreateRecord, err).Message, "")
	case strings.Contains(code, "employee"), h.users == nil:
		h.forgetEmployee(ctx, e)

		return arenaFailure(pipeline.OpCreateRecord, err)
	default:
		h.forgetEmployee(ctx, e)

		return unknownArenaCourse(e, courseID, failureOf(pipeline.OpCreateRecord, err).Message,
			" If the course exists, check that employee "+e.EmployeeID+" still exists in Arena.")
	}
}

// unknownArenaCourse is the outcome of a 404 to creating a record for an
// Arena course id that Arena does not know.
func unknownArenaCourse(e pipeline.Event, courseID, arenaMessage, hint string) pipeline.Outcome {
	out := pipeline.Reject(pipeline.ReasonUnknownCourse, fmt.Sprintf(
		"Arena does not know course %s, which LMS course %s maps to: correct the course catalog entry or add the course in Arena, then replay.%s Arena said: %s",
		courseID, e.CourseID, hint, arenaMessage))
	out.ArenaStatus = 404

	return out
}
