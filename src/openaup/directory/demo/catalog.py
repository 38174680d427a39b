"""The facts of the demo district: its name and domains, the school year, grades, school
levels, and what each grade studies."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DISTRICT_NAME = "Maple Valley Public Schools"
DEFAULT_STUDENTS = 1500
DEFAULT_SEED = 2026
MIN_STUDENTS = 50
SCALE_STUDENTS = 50_000

STAFF_DOMAIN = "maplevalley.k12.example"
STUDENT_DOMAIN = "students.maplevalley.k12.example"
FAMILY_DOMAINS = ("example.com", "example.net", "example.org")
AREA_CODES = ("413", "508", "617", "774", "781", "978")

YEAR_ID, FALL_ID, SPRING_ID = "sy-2026-27", "sem-2026-fall", "sem-2027-spring"
SCHOOL_YEAR = 2027  # OneRoster's schoolYear: the year the school year ends
YEAR_START = datetime.date(2026, 8, 24)
FALL_END = datetime.date(2027, 1, 15)
SPRING_START = datetime.date(2027, 1, 19)
YEAR_END = datetime.date(2027, 6, 11)
#: Children start kindergarten in the fall of the year they turn 5 by September 1.
AGE_CUTOFF = datetime.date(2026, 9, 1)

GRADES = ("PK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
#: How big a grade is compared with the others (pre-K is half-day and smaller; some
#: students leave high school).
GRADE_WEIGHTS = {"PK": 0.6, "09": 1.05, "10": 1.0, "11": 0.95, "12": 0.9}
NO_EMAIL_GRADES = frozenset({"PK", "KG", "01", "02"})
GRADE_NAMES = {"PK": "Pre-K", "KG": "Kindergarten"}


def grade_label(grade: str) -> str:
    return GRADE_NAMES[grade] if grade in GRADE_NAMES else f"Grade {int(grade)}"


@dataclass(frozen=True, slots=True)
class Level:
    key: str  # es, ms, hs
    suffix: str  # Elementary, Middle, High
    grades: tuple[str, ...]
    #: Beyond this many students, the level gets another school.
    school_capacity: int


LEVELS = (
    Level("es", "Elementary", GRADES[:7], 900),
    Level("ms", "Middle", GRADES[7:10], 1200),
    Level("hs", "High", GRADES[10:], 2000),
)

#: Places that name the schools a large district adds to the three Maple Valley schools.
PLACES = (
    "Cedar Ridge",
    "Riverside",
    "Oak Hollow",
    "Willow Creek",
    "Pine Hill",
    "Lakeview",
    "Meadowbrook",
    "Fox Run",
    "Stony Brook",
    "Hawthorne",
    "Sunnyside",
    "Brookfield",
    "Highland",
    "Orchard Park",
    "Mill River",
    "Aspen Grove",
    "Eastfield",
    "Westwood",
    "Northgate",
    "Southview",
    "Greenfield",
    "Hilltop",
    "Harbor View",
    "Red Oak",
    "Silver Lake",
    "Falcon Ridge",
    "Juniper",
    "Clearwater",
    "Prairie View",
    "Sycamore",
    "Heritage Park",
    "Spring Valley",
)

ES_HOMEROOM_SIZE = {"PK": 20, "KG": 24, "01": 24, "02": 24}
ES_HOMEROOM_SIZE_DEFAULT = 27
SECONDARY_BLOCK_SIZE = 28
SPECIALS = (
    ("Art", "Arts", "Art Room"),
    ("Music", "Arts", "Music Room"),
    ("Physical Education", "Physical Education", "Gym"),
    ("Library", "Library", "Library"),
)


@dataclass(frozen=True, slots=True)
class CourseSpec:
    title: str
    code: str
    department: str
    semester: int = 0  # 0: the whole year; 1 or 2: that semester only


#: A fall course and a spring course that share one period.
Slot = tuple[CourseSpec, CourseSpec]


def secondary_courses(grade: str) -> tuple[tuple[CourseSpec, ...], tuple[Slot, ...]]:
    """A grade's year-long courses, and its semester slots (a fall and a spring course
    sharing one period)."""
    g = int(grade)
    if g <= 8:
        math_title = {6: "Math 6", 7: "Math 7", 8: "Pre-Algebra"}[g]
        science = {6: "Earth Science", 7: "Life Science", 8: "Physical Science"}[g]
        social = {6: "World Geography", 7: "World History", 8: "U.S. History"}[g]
        year: tuple[CourseSpec, ...] = (
            CourseSpec(f"English Language Arts {g}", f"ELA{g}", "English"),
            CourseSpec(math_title, f"MTH{g}", "Math"),
            CourseSpec(science, f"SCI{g}", "Science"),
            CourseSpec(social, f"SOC{g}", "Social Studies"),
            CourseSpec(f"Spanish {g}", f"SPA{g}", "World Languages"),
        )
        slots: tuple[Slot, ...] = (
            (
                CourseSpec(f"Health {g}", f"HLT{g}", "Health and PE", 1),
                CourseSpec(f"Physical Education {g}", f"PE{g}", "Health and PE", 2),
            ),
            (
                CourseSpec(f"Art {g}", f"ART{g}", "Arts", 1),
                CourseSpec(f"Technology {g}", f"TEC{g}", "Technology", 2),
            ),
        )
        return year, slots
    index = g - 9
    roman = ("I", "II", "III", "IV")[index]
    year = (
        CourseSpec(f"English {g}", f"ENG{g}", "English"),
        CourseSpec(
            ("Algebra I", "Geometry", "Algebra II", "Precalculus")[index], f"MTH{g}", "Math"
        ),
        CourseSpec(
            ("Biology", "Chemistry", "Physics", "Environmental Science")[index],
            f"SCI{g}",
            "Science",
        ),
        CourseSpec(
            ("World History", "U.S. History", "Civics and Government", "Economics")[index],
            f"SOC{g}",
            "Social Studies",
        ),
        CourseSpec(f"Spanish {roman}", f"SPA{g}", "World Languages"),
    )
    electives = (
        (("Digital Literacy", "Technology"), ("Financial Literacy", "Social Studies")),
        (("Digital Literacy", "Technology"), ("Financial Literacy", "Social Studies")),
        (("Psychology", "Social Studies"), ("Creative Writing", "English")),
        (("Psychology", "Social Studies"), ("Creative Writing", "English")),
    )[index]
    slots = (
        (
            CourseSpec(f"Physical Education {g}", f"PE{g}", "Health and PE", 1),
            CourseSpec(f"Health {g}", f"HLT{g}", "Health and PE", 2),
        ),
        (
            CourseSpec(f"Studio Art {g}", f"ART{g}", "Arts", 1),
            CourseSpec(f"Computer Science {g}", f"CSC{g}", "Technology", 2),
        ),
        (
            CourseSpec(f"{electives[0][0]} {g}", f"EL{g}A", electives[0][1], 1),
            CourseSpec(f"{electives[1][0]} {g}", f"EL{g}B", electives[1][1], 2),
        ),
    )
    return year, slots
