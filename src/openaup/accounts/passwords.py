"""Password rules after NIST SP 800-63B (section 3.1.1.2).

- A minimum length that depends on the roles of the account: 12 characters for roles that see
  other families' students (they also sign in with a second factor), 15 for those roles when
  an installation switches the second factor off (``OPENAUP_REQUIRE_2FA=false``), and 8 for
  everyone else (students, guardians), NIST's floor.
- A maximum of 128 characters; every character, spaces and emoji included, is allowed.
- No composition rules (no "one digit, one symbol") and no periodic expiry.
- Refused: the common and breached passwords Django ships (about 20,000), and passwords built
  on this installation's own words: the district's and the schools' names, "OpenAUP", the user
  name and the person's own names (NIST's "context-specific words").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from openaup.accounts.twofactor import has_two_factor_role

__all__ = [
    "MAX_LENGTH",
    "ContextWordsValidator",
    "MaximumLengthValidator",
    "RoleMinimumLengthValidator",
    "context_words",
    "minimum_length",
    "password_rules",
]

MAX_LENGTH = 128
STAFF_MIN_LENGTH = 12
STAFF_WITHOUT_2FA_MIN_LENGTH = 15
MIN_LENGTH = 8

#: Words every installation of OpenAUP refuses inside a password.
PRODUCT_WORDS = ("openaup", "maplevalley", "acceptableusepolicy")

#: Parts of school names too general to mean this district.
GENERIC_WORDS = frozenset(
    {
        "academy",
        "center",
        "central",
        "charter",
        "county",
        "district",
        "early",
        "education",
        "elementary",
        "high",
        "intermediate",
        "junior",
        "learning",
        "middle",
        "primary",
        "public",
        "school",
        "schools",
        "senior",
        "the",
    }
)

#: A context word must be at least this long to be refused inside a password.
MIN_WORD = 4


def _fold(text: str) -> str:
    """Lower case, letters and digits only, accents removed: "Maple-Valley" -> "maplevalley"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^0-9a-z]", "", decomposed.casefold())


def minimum_length(user: Any) -> int:
    """The shortest password ``user`` may choose."""
    if user is None or getattr(user, "pk", None) is None or not has_two_factor_role(user):
        return MIN_LENGTH
    if getattr(settings, "OPENAUP_REQUIRE_2FA", True):
        return STAFF_MIN_LENGTH
    return STAFF_WITHOUT_2FA_MIN_LENGTH


def context_words(user: Any = None) -> set[str]:
    """The folded words of this installation (and of ``user``) that no password may contain."""
    from openaup.directory.models import District, School

    names: list[str] = list(PRODUCT_WORDS)
    names.extend(District.objects.values_list("name", flat=True))
    names.extend(School.objects.values_list("name", flat=True))
    if user is not None:
        names.extend(
            str(getattr(user, attr, "") or "") for attr in ("username", "first_name", "last_name")
        )
        email = str(getattr(user, "email", "") or "")
        names.append(email.split("@", 1)[0])
    words: set[str] = set()
    for name in names:
        whole = _fold(name)
        if len(whole) >= MIN_WORD:
            words.add(whole)
        for part in re.split(r"[\s\-_.'\u2019@]+", name):
            folded = _fold(part)
            if len(folded) >= MIN_WORD and folded not in GENERIC_WORDS:
                words.add(folded)
    return words


class RoleMinimumLengthValidator:
    """Refuse passwords shorter than :func:`minimum_length` for the account's roles."""

    def validate(self, password: str, user: Any = None) -> None:
        needed = minimum_length(user)
        if len(password) < needed:
            raise ValidationError(
                _("This password is too short. It must have at least %(min_length)d characters."),
                code="password_too_short",
                params={"min_length": needed},
            )

    def get_help_text(self) -> str:
        return _(
            "At least %(student)d characters; at least %(staff)d for staff and others who see "
            "students' records."
        ) % {"student": MIN_LENGTH, "staff": STAFF_MIN_LENGTH}


class MaximumLengthValidator:
    """Refuse passwords longer than :data:`MAX_LENGTH` (hashing is slow on purpose)."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("This password is too long. It may have at most %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": MAX_LENGTH},
            )

    def get_help_text(self) -> str:
        return _("At most %(max_length)d characters.") % {"max_length": MAX_LENGTH}


class ContextWordsValidator:
    """Refuse passwords built on the district's, a school's or the person's own name."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = _fold(password)
        found = sorted(word for word in context_words(user) if word in folded)
        if found:
            raise ValidationError(
                _(
                    "This password contains a word anyone could guess here (a name of the "
                    "district, a school or yourself). Choose something else."
                ),
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return _("Not built on the name of the district, a school or yourself.")


def password_rules(user: Any) -> list[str]:
    """The rules that apply to ``user``'s new password, in plain words, for the form."""
    rules: Iterable[str] = (
        _("At least %(min_length)d characters, at most %(max_length)d.")
        % {"min_length": minimum_length(user), "max_length": MAX_LENGTH},
        _("Any characters you like, spaces included. A few unrelated words make a strong one."),
        _(
            "Not a common or leaked password, and not built on a name of the district, a school "
            "or yourself."
        ),
        _("It does not expire: change it only when you think someone else may know it."),
    )
    return list(rules)
