"""PDF slips are read through with Odoo's pypdf before they are kept.

``%PDF-`` at the start and ``%%EOF`` at the end used to be enough: a page or an
archive between the two was stored as ``application/pdf``. A slip PDF must now
parse, have a page, be readable without a password, and carry nothing a viewer
would run or open by itself.
"""

import io
import re

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools import pdf as odoo_pdf

from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
)

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] >>"


def hand_made_pdf(*objects):
    """A PDF of ``objects`` (object 1 is the catalog) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def written_pdf(edit=None):
    """A one-page PDF written by Odoo's pypdf writer, after ``edit(writer)``."""
    writer = odoo_pdf.PdfFileWriter()
    writer.add_blank_page(300, 400)
    if edit:
        edit(writer)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


@tagged("post_install", "-at_install")
class TestSlipPdf(JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(amount=900.0)
        cls.link, cls.token, _result = cls._generate(cls.invoice)

    def _upload(self, content):
        page = self.url_open(f"/p/{self.token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            f"/p/{self.token}/slip",
            data={"csrf_token": csrf},
            files={"slip": ("slip.pdf", content, "application/pdf")},
            allow_redirects=False,
        )
        self.env.invalidate_all()
        return response

    def assertRefused(self, content, message):
        response = self._upload(content)
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("o_jingjai_portal_slip_error", response.text)
        self.assertIn(message, response.text)
        self.assertFalse(self.invoice.jingjai_portal_slip_ids)

    @mute_logger("odoo.http", "PyPDF2", "pypdf")
    def test_not_a_pdf_between_the_markers_is_refused(self):
        zip_bytes = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 300
        cases = {
            "html": b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
            "zip": b"%PDF-1.4\n" + zip_bytes + b"\n%%EOF\n",
            "empty objects": b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
            "no page": hand_made_pdf(CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"),
        }
        for name, content in cases.items():
            with self.subTest(case=name):
                self.assertRefused(content, "not a picture or a PDF we can read")

    @mute_logger("odoo.http", "PyPDF2", "pypdf")
    def test_active_pdfs_are_refused(self):
        """Scripts, launch actions, actions on a page, attached files: refused,
        also when the names are written with #xx escapes that only a PDF
        reader decodes.
        """
        cases = {
            "document JavaScript": written_pdf(
                lambda writer: writer.add_js("app.alert('slip');")
            ),
            "attached file": written_pdf(
                lambda writer: writer.add_attachment("invoice.html", b"<script>")
            ),
            "OpenAction script, escaped": hand_made_pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                PAGES,
                PAGE,
                b"<< /S /J#61vaScript /J#53 (app.launchURL('https://evil.example')) >>",
            ),
            "page action launching a program, escaped": hand_made_pdf(
                CATALOG,
                PAGES,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400]"
                b" /A#41 << /O << /S /L#61unch /F (cmd.exe) >> >> >>",
            ),
            "launch action in plain sight": hand_made_pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch"
                b" /F (calc.exe) >> >>",
                PAGES,
                PAGE,
            ),
        }
        for name, content in cases.items():
            with self.subTest(case=name):
                self.assertRefused(content, "contains scripts, actions or attached")

    @mute_logger("odoo.http", "PyPDF2", "pypdf")
    def test_password_protected_pdf_is_refused(self):
        content = written_pdf(lambda writer: writer.encrypt("1234"))
        self.assertRefused(content, "protected by a password")

    def test_real_pdfs_are_kept(self):
        """A plain one-page PDF, one that opens on its first page, and one whose
        owner password leaves it readable are kept, as application/pdf.
        """
        cases = [
            written_pdf(),
            hand_made_pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
                PAGES,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] /Resources"
                b" << /Font << /F1 4 0 R >> >> >>",
                b"<< /Type /Font /Subtype /TrueType /BaseFont /AAAAAB+Tahoma >>",
            ),
            written_pdf(lambda writer: writer.encrypt("", "owner-secret")),
        ]
        for number, content in enumerate(cases, 1):
            with self.subTest(case=number):
                response = self._upload(content)
                self.assertEqual(response.status_code, 303, response.text[:300])
                slips = self.invoice.jingjai_portal_slip_ids
                self.assertEqual(len(slips), number)
                self.assertEqual(set(slips.mapped("mimetype")), {"application/pdf"})
                self.assertEqual(slips.sorted("id")[-1].raw, content)
