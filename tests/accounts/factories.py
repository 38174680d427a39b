"""factory_boy factories for accounts."""

from __future__ import annotations

import factory

from openaup.accounts import models

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: models.User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "district_admin"
    school = None
