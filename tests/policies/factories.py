"""factory_boy factories for policies, campaigns and signatures. They write rows directly
(not through the services), so tests can build any state, including published versions and
signatures from the past."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from openaup.policies import models
from openaup.policies.choices import (
    Audience,
    CampaignStatus,
    MemberKind,
    SignatureMethod,
    SignerRole,
    VersionStatus,
)
from tests.directory.factories import StudentFactory

SAMPLE_BODY = """# Acceptable Use Policy for Technology

## Guiding Principles

Technology is provided for learning.

### **Network Usage, Filtering & Monitoring**

The district filters internet access as CIPA requires.
"""


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Policy
        django_get_or_create = ("slug",)

    title = "Acceptable Use Policy for Technology"
    slug = "acceptable-use"


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A published all-users version (its hash is a placeholder unless texts are added
    through the services)."""

    class Meta:
        model = models.PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    label = factory.Sequence(lambda n: f"2026-27.{n}")
    audience = Audience.ALL
    status = VersionStatus.PUBLISHED
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    published_at = factory.LazyFunction(timezone.now)


class PolicyTextFactory(factory.django.DjangoModelFactory):
    """A text, inserted directly: a published version refuses new texts through ``save()``,
    but a test may need one as if it had been there before publishing."""

    class Meta:
        model = models.PolicyText

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> models.PolicyText:
        text = model_class(*args, **kwargs)
        model_class.objects.bulk_create([text])
        if text.pk is None:
            text.pk = model_class.objects.get(version=text.version, language=text.language).pk
        return text

    version = factory.SubFactory(PolicyVersionFactory)
    language = "en"
    title = "Acceptable Use Policy for Technology"
    body = SAMPLE_BODY
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class SigningCampaignFactory(factory.django.DjangoModelFactory):
    """An open campaign, due in three weeks. Members are not added: call
    ``services.sync_members`` or use :class:`CampaignMemberFactory`."""

    class Meta:
        model = models.SigningCampaign
        skip_postgeneration_save = True

    name = "2026-27 AUP"
    school_year = 2027
    status = CampaignStatus.OPEN
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=21))
    reminder_days = [14, 7, 1, -7]
    opened_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def versions(self, create: bool, extracted: list[models.PolicyVersion] | None) -> None:
        if create and extracted:
            self.versions.set(extracted)


class CampaignMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CampaignMember

    campaign = factory.SubFactory(SigningCampaignFactory)
    person = factory.SubFactory(StudentFactory)
    kind = MemberKind.STUDENT
    needs_guardian = True


class SignatureFactory(factory.django.DjangoModelFactory):
    """A student's own signed-in signature."""

    class Meta:
        model = models.Signature

    member = factory.SubFactory(CampaignMemberFactory)
    campaign = factory.SelfAttribute("member.campaign")
    signer = factory.SelfAttribute("member.person")
    on_behalf_of = factory.SelfAttribute("member.person")
    signer_role = SignerRole.STUDENT
    version = factory.SubFactory(PolicyVersionFactory)
    language = "en"
    text_sha256 = factory.SelfAttribute("version.sha256")
    method = SignatureMethod.SIGNED_IN
