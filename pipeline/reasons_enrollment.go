package pipeline

// Dead-letter reasons of the enrollment path: course catalog and employee
// validation. Both are permanent outcomes.
const (
	// ReasonUnknownCourse: the course catalog maps the LMS course id to no
	// Arena course, or Arena does not know the Arena course id it maps to.
	ReasonUnknownCourse Reason = "unknown_course"
	// ReasonEmployeeInactive: Arena has the employee but marks the user
	// inactive, so no training record is created for it.
	ReasonEmployeeInactive Reason = "employee_inactive"
)

// ReasonRetake is a done outcome worth counting apart: an enrollment found
// its mapped record EXPIRED or CANCELLED, so a new record was created and
// the enrollment map moved to it.
const ReasonRetake Reason = "retake"
