"""The classes of the demo district: courses, homerooms and sections, with a teacher for
each section and a schedule in which nobody is in two places at once."""

from __future__ import annotations

from collections.abc import Callable

from openaup.directory.demo.catalog import (
    ES_HOMEROOM_SIZE,
    ES_HOMEROOM_SIZE_DEFAULT,
    FALL_ID,
    SECONDARY_BLOCK_SIZE,
    SPECIALS,
    SPRING_ID,
    YEAR_ID,
    CourseSpec,
    grade_label,
    secondary_courses,
)
from openaup.directory.demo.people import School, Section, Staff, Student, ascii_name
from openaup.directory.oneroster.records import ClassRecord, CourseRecord

__all__ = ["Timetable"]


def class_count(students: int, size: int) -> int:
    """How many classes of about ``size`` a cohort makes: a few students over the size
    do not open another class."""
    count = max(1, round(students / size))
    return count + 1 if students / count > size + 3 else count


class Timetable:
    """Courses and sections for every school; teachers are hired through ``new_staff``."""

    def __init__(self, new_staff: Callable[[str, str, str], Staff]) -> None:
        self.new_staff = new_staff
        self.courses: list[CourseRecord] = []
        self.sections: list[Section] = []

    def course(
        self,
        school: School,
        year_id: str,
        title: str,
        code: str,
        grades: tuple[str, ...],
        subject: str,
    ) -> str:
        sourced_id = f"crs-{school.org_id}-{code.lower()}"
        self.courses.append(
            CourseRecord(
                sourced_id=sourced_id,
                title=title,
                org_sourced_id=school.org_id,
                school_year_sourced_id=year_id,
                course_code=code,
                grades=grades,
                subjects=(subject,),
            )
        )
        return sourced_id

    def teacher(self, school: School, title: str) -> Staff:
        teacher = self.new_staff("teacher", school.org_id, title)
        school.rooms += 1
        teacher.room = f"Room {school.rooms}"
        school.teachers.append(teacher)
        return teacher

    def section(
        self,
        school: School,
        *,
        title: str,
        course_id: str,
        code: str,
        class_type: str,
        grade: str,
        terms: tuple[str, ...],
        subject: str,
        students: list[Student],
        teacher: Staff,
        period: int | None = None,
        location: str = "",
    ) -> None:
        record = ClassRecord(
            sourced_id=f"cls-{school.org_id}-{code.lower()}",
            title=title,
            course_sourced_id=course_id,
            school_sourced_id=school.org_id,
            term_sourced_ids=terms,
            class_type=class_type,
            class_code=code,
            grades=(grade,),
            subjects=(subject,),
            periods=(str(period),) if period is not None else (),
            location=location or teacher.room,
        )
        self.sections.append(Section(record, students, teacher))

    def make_classes(self, schools: list[School]) -> None:
        year, fall, spring = YEAR_ID, FALL_ID, SPRING_ID
        both = (fall, spring)
        for school in schools:
            if school.level.key == "es":
                self.elementary_classes(school, year, both)
            else:
                self.secondary_classes(school, year, (both, (fall,), (spring,)))

    def elementary_classes(self, school: School, year: str, terms: tuple[str, ...]) -> None:
        specials_teachers: dict[str, Staff] = {}
        for grade, students in school.students.items():
            if not students:
                continue
            label = grade_label(grade)
            course_id = self.course(
                school, year, f"{label} Homeroom", f"HR{grade}", (grade,), "Homeroom"
            )
            size = ES_HOMEROOM_SIZE.get(grade, ES_HOMEROOM_SIZE_DEFAULT)
            count = class_count(len(students), size)
            groups = [students[i::count] for i in range(count)]
            for number, group in enumerate(groups, start=1):
                self.section(
                    school,
                    title=f"{label} Homeroom {chr(64 + number)}",
                    course_id=course_id,
                    code=f"HR{grade}-{number}",
                    class_type="homeroom",
                    grade=grade,
                    terms=terms,
                    subject="Homeroom",
                    students=group,
                    teacher=self.teacher(school, "Classroom Teacher"),
                )
            for special, subject, location in SPECIALS:
                code = f"{ascii_name(special)[:3].upper()}{grade}"
                course_id = self.course(
                    school, year, f"{special} ({label})", code, (grade,), subject
                )
                teacher = specials_teachers.get(special)
                if teacher is None:
                    teacher = self.teacher(school, f"{special} Teacher")
                    specials_teachers[special] = teacher
                self.section(
                    school,
                    title=f"{special} ({label})",
                    course_id=course_id,
                    code=f"{code}-1",
                    class_type="scheduled",
                    grade=grade,
                    terms=terms,
                    subject=subject,
                    students=students,
                    teacher=teacher,
                    location=location,
                )

    def secondary_classes(
        self, school: School, year: str, terms: tuple[tuple[str, ...], ...]
    ) -> None:
        """Students of a grade move in blocks of about 28 through a schedule where each
        course has its own period, so nobody (student or teacher) is in two places at once."""
        department_teachers: dict[str, list[Staff]] = {}
        advisors = 0  # the first teachers of the school advise, one block each
        shift = 0  # each block starts its day one period later than the one before
        max_load = 7 if school.level.key == "hs" else 6
        for grade, students in school.students.items():
            if not students:
                continue
            year_courses, slots = secondary_courses(grade)
            periods = len(year_courses) + len(slots)
            count = class_count(len(students), SECONDARY_BLOCK_SIZE)
            blocks = [students[i::count] for i in range(count)]
            plan: list[tuple[CourseSpec, int]] = [(spec, k) for k, spec in enumerate(year_courses)]
            for s, pair in enumerate(slots):
                plan.extend((spec, len(year_courses) + s) for spec in pair)
            for spec, slot in plan:
                course_id = self.course(
                    school, year, spec.title, spec.code, (grade,), spec.department
                )
                section_terms = terms[spec.semester]
                for number, block in enumerate(blocks, start=1):
                    period = (slot + shift + number - 1) % periods + 1
                    teacher = self.teacher_for(
                        school,
                        department_teachers,
                        spec.department,
                        period,
                        section_terms,
                        max_load,
                    )
                    self.section(
                        school,
                        title=f"{spec.title} (Period {period})",
                        course_id=course_id,
                        code=f"{spec.code}-{number}",
                        class_type="scheduled",
                        grade=grade,
                        terms=section_terms,
                        subject=spec.department,
                        students=block,
                        teacher=teacher,
                        period=period,
                    )
            shift += count
            label = f"Grade {int(grade)}"
            course_id = self.course(
                school, year, f"{label} Advisory", f"ADV{grade}", (grade,), "Homeroom"
            )
            for number, block in enumerate(blocks, start=1):
                if advisors < len(school.teachers):
                    advisor = school.teachers[advisors]
                else:
                    advisor = self.teacher(school, "Teacher")
                advisors += 1
                self.section(
                    school,
                    title=f"{label} Advisory {number}",
                    course_id=course_id,
                    code=f"ADV{grade}-{number}",
                    class_type="homeroom",
                    grade=grade,
                    terms=terms[0],
                    subject="Homeroom",
                    students=block,
                    teacher=advisor,
                )

    def teacher_for(
        self,
        school: School,
        department_teachers: dict[str, list[Staff]],
        department: str,
        period: int,
        terms: tuple[str, ...],
        max_load: int,
    ) -> Staff:
        teachers = department_teachers.setdefault(department, [])
        wanted = {(term, period) for term in terms}
        # Only the newest few teachers of a department can still take sections, so this
        # stays linear however large the school is.
        for teacher in teachers[-3:]:
            if teacher.sections < max_load and not wanted & teacher.periods:
                break
        else:
            teacher = self.teacher(school, f"{department} Teacher")
            teachers.append(teacher)
        teacher.sections += 1
        teacher.periods |= wanted
        return teacher
