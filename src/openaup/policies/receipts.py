"""The receipt of a signature, as a PDF: who signed, for whom, what (the version, its hash
and the text itself), when, how and from where; a withdrawn signature's receipt says so.

The PDF uses the standard PDF fonts that every reader has (Helvetica), so no font file is
shipped or needed on the server. They cover Windows-1252, which holds every letter of
English and Spanish (á é í ó ú ü ñ ¿ ¡); anything beyond it is written without its accent
(NFKD) or as ``?``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from markdown_it import MarkdownIt

from openaup.directory.models import District
from openaup.policies.models import PolicyText, Signature, SignatureWithdrawal

__all__ = ["markdown_blocks", "receipt_filename", "receipt_pdf"]

_ENCODING = "cp1252"
_FONT = "Helvetica"


def _printable(text: str) -> str:
    """``text`` in the characters the standard PDF fonts can print."""
    out = []
    for char in text:
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = (
                unicodedata.normalize("NFKD", char).encode(_ENCODING, "ignore").decode(_ENCODING)
            )
            out.append(plain or "?")
    return "".join(out)


@dataclass(frozen=True)
class Block:
    """One block of a policy text: a heading (``level`` 1-6), a paragraph (``level`` 0) or
    a list item (``level`` -1)."""

    level: int
    text: str


def markdown_blocks(body: str) -> list[Block]:
    """A Markdown text as plain blocks (no markup, no HTML)."""
    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    level = 0
    in_item = 0
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1])
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = "".join(parts).strip()
            if text:
                blocks.append(Block(level=level or (-1 if in_item else 0), text=text))
            level = 0
    return blocks


def receipt_filename(signature: Signature) -> str:
    return f"signature-receipt-{signature.pk}.pdf"


class _Receipt(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, size=8)
        self.cell(0, 8, f"Page {self.page_no()}/{{nb}}", align="C")


def receipt_pdf(signature: Signature) -> bytes:
    """The receipt of ``signature`` as PDF bytes, with the signed text appended."""
    district = District.objects.order_by("pk").first()
    version = signature.version
    text = PolicyText.objects.filter(version=version, language=signature.language).first()
    withdrawal = SignatureWithdrawal.objects.filter(signature=signature).first()
    signed_at = timezone.localtime(signature.signed_at)
    zone = timezone.get_current_timezone_name()

    pdf = _Receipt(format="Letter")
    # The standard fonts are written with WinAnsiEncoding: Windows-1252, not just Latin-1.
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_title(_printable(f"Signature receipt {signature.pk}"))
    pdf.set_author(_printable(district.name if district else "OpenAUP"))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def line(content: str, *, size: int = 11, style: str = "", gap: float = 6) -> None:
        pdf.set_font(_FONT, style=style, size=size)
        pdf.multi_cell(width, gap, _printable(content), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(label: str, value: str) -> None:
        pdf.set_font(_FONT, style="B", size=10)
        pdf.cell(48, 6, _printable(label))
        pdf.set_font(_FONT, size=10)
        pdf.multi_cell(width - 48, 6, _printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if district is not None:
        line(district.name, size=10)
    line("Signature receipt", size=18, style="B", gap=10)
    if withdrawal is not None:
        pdf.set_text_color(170, 0, 0)
        line("WITHDRAWN", size=16, style="B", gap=8)
        line(
            f"Withdrawn on {timezone.localtime(withdrawal.withdrawn_at):%Y-%m-%d %H:%M} "
            f"({zone}). Reason: {withdrawal.reason}",
            size=10,
        )
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    field("Signed by", f"{signature.signer.display_name} ({signature.get_signer_role_display()})")
    field("For", signature.on_behalf_of.display_name)
    field("Campaign", signature.campaign.name)
    field("Policy", f"{version.policy.title}, version {version.label}")
    field("Audience", version.audience_label)
    field("Text SHA-256", signature.text_sha256)
    field("Version SHA-256", version.sha256)
    field("Language", signature.language)
    field("How", signature.get_method_display())
    field("Signed at", f"{signed_at:%Y-%m-%d %H:%M:%S} ({zone})")
    if signature.paper_signed_on:
        field("Date on the paper form", signature.paper_signed_on.isoformat())
    if signature.went_over_with_child:
        field("Confirmed", "The guardian went over the policy with the child.")
    field("IP address", signature.client_ip or "not recorded")
    if signature.recorded_by_id:
        field("Recorded by", str(signature.recorded_by))
    pdf.ln(4)
    line("The text that was signed", size=14, style="B", gap=8)
    if text is None:
        line("The text in this language is no longer on file.", size=10)
    else:
        line(text.title, size=12, style="B", gap=7)
        for block in markdown_blocks(text.body):
            if block.level > 0:
                pdf.ln(1)
                line(block.text, size=max(10, 14 - block.level), style="B", gap=6)
            elif block.level < 0:
                line(f"-  {block.text}", size=10, gap=5)
            else:
                line(block.text, size=10, gap=5)
                pdf.ln(1)
    return bytes(pdf.output())
