package pipeline_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// A completion with an offset date and a lower-case status is normalized to
// what Arena expects: a UTC date with a Z suffix and the status COMPLETED.
func ExampleParseGeneric() {
	body := []byte(`{
		"eventId": "d2c1a7e0-5b8e-4f4e-9a51-3c0f7d2e9b14",
		"eventType": "course.completed",
		"employeeId": "EMP12345",
		"courseId": "LMS-SAFETY-101",
		"completionDate": "2025-01-19T16:30:00.250+02:00",
		"status": "completed",
		"score": 95
	}`)

	event, err := pipeline.ParseGeneric(body, pipeline.GenericOptions{})
	if err != nil {
		fmt.Println(err)

		return
	}

	fmt.Println("key:", event.Key())
	fmt.Println("completionDate:", event.CompletionDate)
	fmt.Println("status:", event.Status)
	fmt.Println("score:", *event.Score)
	// Output:
	// key: EMP12345|LMS-SAFETY-101
	// completionDate: 2025-01-19T14:30:00Z
	// status: COMPLETED
	// score: 95
}

// A well-formed event with several invalid fields returns one
// *ValidationError that names each of them.
func ExampleParseGeneric_validationError() {
	body := []byte(`{
		"eventType": "course.completed",
		"employeeId": 12345,
		"courseId": "LMS-SAFETY-101",
		"completionDate": "2025-01-19T14:30:00",
		"status": "COMPLETED",
		"score": "ninety"
	}`)

	_, err := pipeline.ParseGeneric(body, pipeline.GenericOptions{})

	invalid, ok := errors.AsType[*pipeline.ValidationError](err)
	if !ok {
		fmt.Println("unexpected result:", err)

		return
	}
	for _, field := range invalid.Fields {
		fmt.Printf("%s: %s\n", field.Field, field.Message)
	}
	// Output:
	// employeeId: must be a string, got a number (12345)
	// completionDate: "2025-01-19T14:30:00" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone
	// score: must be a number or a numeric string such as "85" or "85%", got "ninety"
}

// An LMS that sends local times without an offset needs its time zone in
// DateRule; the dates are then converted to UTC.
func ExampleParseGeneric_timeZone() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)

		return
	}

	body := []byte(`{"eventId": "evt-1", "eventType": "course.completed", "employeeId": "EMP12345",
		"courseId": "LMS-SAFETY-101", "completionDate": "2025-01-19 15:30:00", "status": "COMPLETED"}`)

	event, err := pipeline.ParseGeneric(body, pipeline.GenericOptions{Dates: pipeline.DateRule{Location: berlin}})
	if err != nil {
		fmt.Println(err)

		return
	}

	fmt.Println(event.CompletionDate)
	fmt.Println(event.Score == nil)
	// Output:
	// 2025-01-19T14:30:00Z
	// true
}
