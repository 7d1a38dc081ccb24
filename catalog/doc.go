// Package catalog maps LMS course ids to Arena course (training item) ids.
//
// An LMS and Arena rarely name a course the same way, so before the worker
// creates an Arena training record it looks the LMS course id up here. A
// Catalog looks in three places, in this order:
//
//  1. Redis, where administrators manage entries at run time with
//     `arenasync catalog set|delete|import`; an entry there wins, so a
//     correction needs no restart.
//  2. The catalog file (YAML or CSV) given at start-up.
//  3. Pass-through, when enabled: the LMS id is used as the Arena id,
//     for installations where both systems share course ids.
//
// A course found in none of them is unknown, and the worker moves its
// event to the dead-letter topic with reason unknown_course.
package catalog
