"""Signature receipts (PDF)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from openaup.policies import services
from openaup.policies.models import SigningCampaign
from openaup.policies.receipts import markdown_blocks, receipt_pdf
from tests.personas import World
from tests.policies.campaign_setup import Versions, make_versions, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(world: World) -> Versions:
    return make_versions()


@pytest.fixture
def campaign(district_admin: Any, versions: Versions) -> SigningCampaign:
    return open_campaign(district_admin, versions)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_a_guardians_receipt_in_spanish(
    campaign: SigningCampaign, world: World, principal_a: Any
) -> None:
    link, _token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    [signature] = services.sign_for_children(
        guardian=world.guardian_person,
        campaign=campaign,
        children=[world.student_a1],
        went_over_with_child=True,
        language="es",
        client_ip="203.0.113.7",
        user_agent="test",
        link=link,
    )
    data = receipt_pdf(signature)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert world.school_a.district.name in text
    assert world.guardian_person.display_name in text
    assert world.student_a1.display_name in text
    assert "2026-27 AUP" in text
    assert signature.text_sha256 in text
    assert "203.0.113.7" in text
    assert "Política" in text  # the Spanish text, accents and all
    assert "WITHDRAWN" not in text

    services.withdraw_signature(actor=principal_a, signature=signature, reason="Wrong child.")
    withdrawn = pdf_text(receipt_pdf(signature))
    assert "WITHDRAWN" in withdrawn
    assert "Wrong child." in withdrawn


def test_markdown_becomes_plain_blocks() -> None:
    blocks = markdown_blocks(
        "# Title\n\nSome **bold** text.\n\n- one\n- two\n\n<script>alert(1)</script>\n"
    )
    assert [(b.level, b.text) for b in blocks] == [
        (1, "Title"),
        (0, "Some bold text."),
        (-1, "one"),
        (-1, "two"),
    ]


def test_receipts_of_every_demo_text(district_admin: Any, world: World) -> None:
    """The demo policy's texts, long and in two languages, all print."""
    from openaup.policies.demo import load_demo_policies
    from openaup.policies.models import PolicyText
    from tests.policies.factories import CampaignMemberFactory, SignatureFactory

    load_demo_policies()
    texts = PolicyText.objects.filter(version__status="published").select_related("version")
    assert texts.count() >= 10
    for text in texts:
        member = CampaignMemberFactory(version=text.version)
        signature = SignatureFactory(
            member=member,
            version=text.version,
            language=text.language,
            text_sha256=text.sha256,
        )
        content = pdf_text(receipt_pdf(signature))
        assert text.sha256 in content
        first_words = " ".join(text.title.split()[:2])
        assert first_words in content
